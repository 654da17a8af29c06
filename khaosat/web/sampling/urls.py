from django.urls import path

from khaosat.web.sampling import views

urlpatterns = [
    path("plan/", views.plan_page, name="sampling_plan"),
    path("plan/select/", views.plan_select, name="sampling_select"),
    path("plan/verify/", views.plan_verify, name="sampling_verify"),
    path("plan/sizes/", views.plan_sizes, name="sampling_sizes"),
    path("plan/download.csv", views.plan_download, name="sampling_download"),
]
