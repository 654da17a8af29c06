"""Pages of open answers, mounted under /surveys/<code>/ by khaosat.web.urls."""

from django.urls import path

from khaosat.web.openanswers import views

urlpatterns = [
    path("open/", views.home, name="openanswers_home"),
    path("open/<slug:variable>/", views.question, name="openanswers_question"),
    path("open/<slug:variable>/edit/", views.edit, name="openanswers_edit"),
    path("open/<slug:variable>/themes.toml", views.download, name="openanswers_download"),
    path("open/<slug:variable>/autocode/", views.autocode, name="openanswers_autocode"),
    path("open/<slug:variable>/suggest/", views.suggestions, name="openanswers_suggest"),
    path("open/<slug:variable>/queue/", views.coding_queue, name="openanswers_queue"),
]
