"""khaosat.sampling — see ARCHITECTURE.md. Imports no Django."""
