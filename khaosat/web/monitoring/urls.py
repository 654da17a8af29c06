"""Pages of the monitoring area, mounted under /surveys/<code>/ by khaosat.web.urls."""

urlpatterns: list = []
