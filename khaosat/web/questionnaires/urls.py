"""Pages of the questionnaires area, mounted under /surveys/<code>/ by khaosat.web.urls."""

urlpatterns: list = []
