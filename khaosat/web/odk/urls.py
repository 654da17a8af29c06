"""Pages of ODK Collect, mounted under /surveys/<code>/ by khaosat.web.urls."""

from django.urls import path

from khaosat.web.odk import views

urlpatterns = [
    path("odk/", views.devices, name="odk_devices"),
    path("odk/<int:pk>/revoke/", views.device_revoke, name="odk_device_revoke"),
    path("odk/quarantine/", views.quarantine_list, name="odk_quarantine"),
    path("odk/quarantine/<int:pk>/", views.quarantine_detail, name="odk_quarantine_detail"),
    path("odk/files/<str:sha256>", views.attachment, name="odk_attachment"),
]
