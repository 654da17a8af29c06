"""khaosat.questionnaire — see ARCHITECTURE.md. Imports no Django."""
