from django.urls import path

from khaosat.web.questionnaires import editor, views

urlpatterns = [
    path("questionnaire/", views.questionnaire_list, name="questionnaire_list"),
    path("questionnaire/upload/", views.questionnaire_upload, name="questionnaire_upload"),
    path("questionnaire/editor/", editor.questionnaire_editor, name="questionnaire_editor"),
    path("questionnaire/<str:version>/", views.questionnaire_detail, name="questionnaire_detail"),
    path(
        "questionnaire/<str:version>/preview/",
        views.questionnaire_preview,
        name="questionnaire_preview",
    ),
    path(
        "questionnaire/<str:version>/download/<str:fmt>",
        views.questionnaire_download,
        name="questionnaire_download",
    ),
    path(
        "questionnaire/<str:version>/diff/<str:other>/",
        views.questionnaire_diff,
        name="questionnaire_diff",
    ),
]
