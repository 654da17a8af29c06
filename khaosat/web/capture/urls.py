"""Pages of the capture area, mounted under /surveys/<code>/ by khaosat.web.urls."""

urlpatterns: list = []
