from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.message_list, name="list"),
    path("<int:pk>/resend/", views.message_resend, name="resend"),
]
