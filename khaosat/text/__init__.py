"""khaosat.text — Vietnamese open answers: normalisation (`normalize`), words and phrases
(`words`, pyvi offline), codebooks of themes in TOML (`themes`), automatic coding with a
confidence (`coding`), suggested themes (`suggest`), scrubbing of personal details (`scrub`),
quotations (`quotes`) and agreement with hand codes (`agreement`). Imports no Django."""
