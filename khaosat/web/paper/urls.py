"""Pages of the paper area, mounted under /surveys/<code>/ by khaosat.web.urls."""

from django.urls import path

from khaosat.web.paper import views

urlpatterns = [
    path("paper/", views.home, name="paper_home"),
    path("paper/print/<str:unit_code>/", views.print_batch, name="paper_print"),
    path("paper/printed/<int:pk>/", views.print_job, name="paper_print_job"),
    path("paper/printed/<int:pk>/pdf", views.print_file, name="paper_print_file"),
    path("paper/upload/", views.upload, name="paper_upload"),
    path("paper/photos/", views.photos, name="paper_photos"),
    path("paper/batches/<int:pk>/", views.batch_detail, name="paper_batch"),
    path("paper/review/", views.queue, name="paper_queue"),
    path("paper/forms/<int:pk>/", views.form_review, name="paper_form"),
    path("paper/forms/<int:pk>/items/<int:n>.png", views.crop, name="paper_crop"),
    path("paper/pages/<str:sha>.jpg", views.page_image, name="paper_page"),
]
