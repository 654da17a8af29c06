from django.urls import path

from khaosat.web.bank import views

urlpatterns = [
    path("bank/", views.bank_page, name="bank"),
    path("bank/add/", views.bank_add, name="bank_add"),
    path("bank/pick/", views.bank_pick, name="bank_pick"),
]
