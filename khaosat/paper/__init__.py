"""khaosat.paper — see ARCHITECTURE.md. Imports no Django."""
