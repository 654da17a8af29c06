"""khaosat.stats — see ARCHITECTURE.md. Imports no Django."""
