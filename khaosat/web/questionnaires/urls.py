from django.urls import path

from khaosat.web.questionnaires import editor, views, word_views

urlpatterns = [
    path("questionnaire/", views.questionnaire_list, name="questionnaire_list"),
    path("questionnaire/upload/", views.questionnaire_upload, name="questionnaire_upload"),
    path("questionnaire/editor/", editor.questionnaire_editor, name="questionnaire_editor"),
    path("questionnaire/word/", word_views.questionnaire_word, name="questionnaire_word"),
    path(
        "questionnaire/word/save/",
        word_views.questionnaire_word_save,
        name="questionnaire_word_save",
    ),
    path(
        "questionnaire/word/edit/",
        word_views.questionnaire_word_edit,
        name="questionnaire_word_edit",
    ),
    path(
        "questionnaire/word/draft.xlsx",
        word_views.questionnaire_word_draft,
        name="questionnaire_word_draft",
    ),
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
