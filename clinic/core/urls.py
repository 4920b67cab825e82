from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("manage/", views.manage, name="manage"),
    path("manage/settings/", views.clinic_settings_edit, name="settings"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/", views.outbox_detail, name="outbox_detail"),
    path("my-emails/", views.my_inbox, name="my_inbox"),
    path("my-emails/<int:pk>/", views.my_inbox_detail, name="my_inbox_detail"),
]
