"""Fieldwork monitoring and data quality, without Django: quality checks (flags), progress
arithmetic (expected pace, per-day counts, group targets) and dispositions with AAPOR rates."""
