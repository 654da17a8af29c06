"""khaosat.web — the Django layer: accounts, scope, persistence, pages, jobs, OpenRosa."""
