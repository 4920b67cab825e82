from django.contrib.auth import views as auth_views
from django.urls import path

from . import rights_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.ClinicLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_done, name="signup_done"),
    path("login/code/", views.login_code, name="login_code"),
    path("two-factor/", views.two_factor_page, name="two_factor"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("verify-resend/", views.resend_verification, name="resend_verification"),
    path("home/", views.landing, name="landing"),
    path("profile/", views.profile, name="profile"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("my-data/", rights_views.my_data, name="my_data"),
    path("my-data.json", rights_views.my_data_json, name="my_data_json"),
    path("erase/", rights_views.erasure_request, name="erasure_request"),
    path("erasure-requests/", rights_views.erasure_list, name="erasure_list"),
    path("erasure-requests/<int:pk>/decide/", rights_views.erasure_decide, name="erasure_decide"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password/reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("password/change/", views.password_change, name="password_change"),
    path("password/change/done/", views.password_change_done, name="password_change_done"),
]
