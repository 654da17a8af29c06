"""Pages of the monitoring area, mounted under /surveys/<code>/ by khaosat.web.urls."""

from django.urls import path

from khaosat.web.monitoring import views

urlpatterns = [
    path("progress/", views.progress, name="monitoring_progress"),
    path("review/", views.queue, name="monitoring_queue"),
    path("review/recheck/", views.recheck, name="monitoring_recheck"),
    path("review/<int:pk>/", views.review, name="monitoring_review"),
    path("dispositions/", views.dispositions, name="monitoring_dispositions"),
    path("checks/", views.rules, name="monitoring_rules"),
    path("audit/", views.audit, name="monitoring_audit"),
]
