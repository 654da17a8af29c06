"""Pages of the results area, mounted under /surveys/<code>/ by khaosat.web.urls."""

urlpatterns: list = []
