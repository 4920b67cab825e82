from django.urls import path

from . import views

app_name = "booking"

urlpatterns = [
    path("", views.start, name="start"),
    path("my/", views.my_appointments, name="my_appointments"),
]
