from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from clinic.core.http import safe_next

from . import services
from .forms import LoginForm, ProfileForm, SignInLinkPasswordResetForm, SignUpForm, StaffCreateForm
from .models import Role, User
from .permissions import Cap, require
from .signals import reminder_preferences_changed

LANDING_BY_ROLE = {
    Role.CLIENT: "booking:my_appointments",
    Role.PRACTITIONER: "intake:practitioner_day",
    Role.FRONT_DESK: "frontdesk:calendar",
    Role.MANAGER: "core:manage",
}


class ClinicLoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        # The clinic's one rule for ``next`` (a path on this site); "" sends the user to their landing page.
        return safe_next(self.request, "") or ""


def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:landing")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.client_sign_up(
                email=data["email"], password=data["password1"], first_name=data["first_name"],
                last_name=data["last_name"], phone=data["phone"], date_of_birth=data["date_of_birth"],
            )
        except services.EmailTaken:
            form.add_error("email", "An account with this email already exists. Log in, or reset your password.")
        else:
            login(request, user, backend="clinic.accounts.backends.EmailBackend")
            messages.success(request, f"Welcome, {user.first_name}. We have emailed a link to confirm "
                             f"{user.email}: please click it so we can confirm your bookings.")
            if settings.OWN_INBOX:
                messages.info(request, "This clinic runs without a mail server: open My emails, under your name "
                              "at the top right, to read it.")
            return redirect(safe_next(request) or "accounts:landing")
    return render(request, "accounts/signup.html", {"form": form})


def verify_email(request, token: str):
    user = services.email_verify(token=token)
    if user is None:
        messages.error(request, "That confirmation link is invalid or has expired. "
                       "Log in and ask for a new one from your account page.")
        return redirect("core:home")
    messages.success(request, "Thank you: your email address is confirmed.")
    return redirect("accounts:landing" if request.user.is_authenticated else "accounts:login")


@require_POST
@login_required
def resend_verification(request):
    if request.user.email_verified:
        messages.info(request, "Your email address is already confirmed.")
    else:
        services.verification_email_send(user=request.user)
        messages.success(request, f"We have sent a new confirmation link to {request.user.email}.")
    return redirect(safe_next(request) or "accounts:profile")


@login_required
def landing(request):
    return redirect(LANDING_BY_ROLE[request.user.role])


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            if {"email_reminders", "sms_reminders", "phone"} & set(form.changed_data):
                reminder_preferences_changed.send(sender=User, user=request.user)
        messages.success(request, "Your details are saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@require(Cap.MANAGE_CLINIC)
def staff_list(request):
    staff = User.objects.exclude(role=Role.CLIENT).order_by("role", "last_name")
    return render(request, "accounts/staff_list.html", {"staff": staff})


@require(Cap.MANAGE_CLINIC)
def staff_create(request):
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                email=data["email"], first_name=data["first_name"], last_name=data["last_name"],
                role=data["role"], phone=data["phone"], can_view_clinical=data["can_view_clinical"],
            )
        except services.EmailTaken:
            form.add_error("email", "An account with this email already exists.")
        else:
            services.staff_invite_send(user=user)
            messages.success(request, f"{user.full_name} can now set a password from the email we sent.")
            if user.is_practitioner:
                messages.info(request, f"{user.first_name}'s practitioner profile offers every service at every "
                              "location: add their working hours (and adjust services) in the editor before "
                              "clients can book them.")
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_form.html", {"form": form})


password_reset = auth_views.PasswordResetView.as_view(
    form_class=SignInLinkPasswordResetForm,
    template_name="accounts/password_reset.html",
    email_template_name="accounts/email/password_reset.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password_change_done")
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
