"""Pages of the capture area, mounted under /surveys/<code>/ by khaosat.web.urls."""

from django.urls import path

from khaosat.web.capture import views

urlpatterns = [
    path("capture/", views.home, name="capture_home"),
    path("capture/keyed/", views.keyed, name="capture_keyed"),
    path("capture/keyed/serial/<str:serial>/", views.serial_check, name="capture_serial"),
    path("capture/keyed/submit/", views.keyed_submit, name="capture_keyed_submit"),
    path("capture/adjudication/", views.adjudication_list, name="capture_adjudication_list"),
    path("capture/adjudication/<str:serial>/", views.adjudicate, name="capture_adjudicate"),
    path("capture/keyers/", views.keyers, name="capture_keyers"),
    path("capture/import/batch/<int:pk>/", views.batch_detail, name="capture_batch"),
    path("capture/import/<str:unit_code>/", views.import_upload, name="capture_import"),
    path("capture/import/<str:unit_code>/template.xlsx", views.template, name="capture_template"),
    path("capture/web/<str:unit_code>/", views.web_form, name="capture_web"),
    path("capture/web/<str:unit_code>/submit/", views.web_submit, name="capture_web_submit"),
]
