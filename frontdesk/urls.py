from django.urls import path

from . import views

app_name = "frontdesk"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("clients/", views.clients, name="clients"),
    path("waitlist/", views.waitlist, name="waitlist"),
]
