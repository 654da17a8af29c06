"""khaosat.report — see ARCHITECTURE.md. Imports no Django."""
