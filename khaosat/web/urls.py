from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from khaosat.web.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("setup/", views.setup, name="setup"),
    path("setup/<str:token>/", views.setup, name="setup_token"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="core/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/<slug:code>/", views.survey_overview, name="survey_overview"),
    path("surveys/<slug:code>/units/<str:unit_code>/", views.unit_detail, name="unit_detail"),
    path("jobs/<int:pk>/", views.job_status, name="job_status"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_edit, name="account_new"),
    path("accounts/unlock/", views.account_unlock, name="account_unlock"),
    path("accounts/<int:pk>/", views.account_edit, name="account_edit"),
    path("", include("khaosat.web.odk.openrosa_urls")),  # ODK Collect (OpenRosa)
]

# Each area's pages live under /surveys/<code>/ in its own app.
AREAS = [
    "questionnaires",
    "sampling",
    "capture",
    "paper",
    "results",
    "monitoring",
    "odk",
    "openanswers",
    "bank",
]
for _area in AREAS:
    urlpatterns.append(path("surveys/<slug:code>/", include(f"khaosat.web.{_area}.urls")))
