from django.urls import path

from khaosat.web.results import views

urlpatterns = [
    path("results/", views.dashboard, name="results_dashboard"),
    path("reports/", views.reports, name="results_reports"),
    path("reports/build/", views.report_build, name="results_report_build"),
    path("reports/facts/", views.report_facts_save, name="results_report_facts"),
    path("reports/<int:pk>/<str:fmt>", views.report_file, name="results_report_file"),
    path("export/<str:fmt>", views.raw_export, name="results_export"),
]
