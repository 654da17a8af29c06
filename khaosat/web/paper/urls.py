"""Pages of the paper area, mounted under /surveys/<code>/ by khaosat.web.urls."""

urlpatterns: list = []
