"""khaosat.text — Vietnamese open-ended answers (normalisation, word segmentation, themes,
coding). Not built yet: open answers are scrubbed of names, phone and ID numbers by
khaosat.report.privacy.scrub_text and quoted as typed. Imports no Django."""
