from django.urls import path

from . import views_manage as views

app_name = "manage_schedule"

urlpatterns = [
    path("services/", views.services, name="services"),
    path("services/new/", views.service_edit, name="service_new"),
    path("services/<int:pk>/", views.service_edit, name="service_edit"),
    path("rooms/", views.rooms, name="rooms"),
    path("rooms/<int:pk>/", views.room_edit, name="room_edit"),
    path("practitioners/", views.practitioners, name="practitioners"),
    path("practitioners/<int:pk>/", views.practitioner_schedule, name="practitioner"),
    path("practitioners/<int:pk>/remove/<int:item>/", views.practitioner_delete_hours, name="practitioner_remove"),
    path("time-off/", views.time_off, name="time_off"),
    path("time-off/new/", views.time_off_edit, name="time_off_new"),
    path("time-off/<int:pk>/", views.time_off_edit, name="time_off_edit"),
    path("time-off/<int:pk>/delete/", views.time_off_delete, name="time_off_delete"),
]
