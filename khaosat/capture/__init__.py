"""khaosat.capture — see ARCHITECTURE.md. Imports no Django."""
