from django.urls import path

from . import views

app_name = "frontdesk"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("day-sheet/", views.day_sheet, name="day_sheet"),
    path("book/", views.book, name="book"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:pk>/move/", views.appointment_move, name="appointment_move"),
    path("appointments/<int:pk>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    path("appointments/<int:pk>/status/", views.appointment_status, name="appointment_status"),
    path("appointments/<int:pk>/health-check/", views.appointment_health_check, name="appointment_health_check"),
    path("clinical-conflicts/", views.clinical_conflicts, name="clinical_conflicts"),
    path("clients/", views.clients, name="clients"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<int:pk>/", views.client_detail, name="client"),
    path("clients/<int:pk>/intake-reminder/", views.client_intake_reminder, name="client_intake_reminder"),
    path("waitlist/", views.waitlist, name="waitlist"),
    path("waitlist/add/", views.waitlist_add, name="waitlist_add"),
    path("waitlist/<int:pk>/remove/", views.waitlist_remove, name="waitlist_remove"),
    path("waitlist/join/", views.waitlist_join, name="waitlist_join"),
    path("waitlist/join/<int:pk>/leave/", views.waitlist_leave, name="waitlist_leave"),
    path("waitlist/offer/<str:token>/", views.waitlist_offer, name="waitlist_offer"),
]
