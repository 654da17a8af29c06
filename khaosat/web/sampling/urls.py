"""Pages of the sampling area, mounted under /surveys/<code>/ by khaosat.web.urls."""

urlpatterns: list = []
