"""The report's sections, one module each: a function from the prepared context (estimates,
settings) to document blocks. The order of the document is the two lists below; adding or
moving a section is one line here.

Another area can add blocks at the end of a section without touching it:
`build_report(..., extensions={"causes": [make_blocks]})` where `make_blocks(ctx)` returns a
list of `Block` (section names: summary, methods, results, causes, outlook, recommendations).
"""

from __future__ import annotations

from khaosat.report.sections import (
    appendix,
    causes,
    closing,
    methods,
    outlook,
    recommendations,
    results,
    summary,
    units,
)

BODY = [summary, methods, results, causes, outlook, recommendations, closing]
APPENDICES = [units, appendix]
SECTIONS = BODY + APPENDICES

__all__ = ["APPENDICES", "BODY", "SECTIONS"]
