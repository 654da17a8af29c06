"""OpenRosa URLs (mounted at the site root by khaosat.web.urls): Collect's server URL is
/openrosa/<survey>/key/<token> (a device) or /openrosa/<survey> (Basic over HTTPS)."""

from django.urls import path

from khaosat.web.odk import openrosa as views

FORM = "forms/<str:form_id>/<str:version>"

urlpatterns = []
for prefix, name in (
    ("openrosa/<slug:code>/", "openrosa_"),
    ("openrosa/<slug:code>/key/<str:token>/", "openrosa_key_"),
):
    urlpatterns += [
        path(prefix + "formList", views.form_list, name=name + "formlist"),
        path(prefix + FORM + "/form.xml", views.xform, name=name + "xform"),
        path(prefix + FORM + "/manifest", views.manifest, name=name + "manifest"),
        path(prefix + "submission", views.submission, name=name + "submission"),
        # a server URL typed with a trailing slash makes Collect ask for …//formList
        path(prefix + "/formList", views.form_list),
        path(prefix + "/submission", views.submission),
    ]
