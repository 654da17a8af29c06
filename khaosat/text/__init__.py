"""khaosat.text — see ARCHITECTURE.md. Imports no Django."""
