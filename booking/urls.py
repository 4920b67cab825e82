from django.urls import path

from . import views, views_manage

app_name = "booking"

urlpatterns = [
    path("", views.start, name="start"),
    path("my/", views.my_appointments, name="my_appointments"),
    path("service/<slug:slug>/", views.practitioners, name="practitioners"),
    path("service/<slug:slug>/times/", views.times, name="times"),
    path("service/<slug:slug>/review/", views.review, name="review"),
    path("service/<slug:slug>/course/", views.course, name="course"),
    path("service/<slug:slug>/course/for/<int:client_pk>/", views.course_for_client, name="course_for_client"),
    path("appointments/<int:pk>/", views.booked, name="booked"),
    path("appointments/<int:pk>/calendar.ics", views.appointment_calendar, name="appointment_ics"),
    path("appointments/<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("appointments/<int:pk>/reschedule/confirm/", views.reschedule_confirm, name="reschedule_confirm"),
    path("appointments/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("courses/<int:pk>/", views.course_booked, name="course_booked"),
    path("courses/<int:pk>/calendar.ics", views.course_calendar, name="course_ics"),
    path("practitioners/<int:pk>/photo/", views_manage.practitioner_photo, name="practitioner_photo"),
]
