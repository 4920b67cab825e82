from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("", views.my_intake, name="my_intake"),
    path("day/", views.practitioner_day, name="practitioner_day"),
    path("reviews/", views.review_queue, name="review_queue"),
]
