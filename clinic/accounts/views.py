from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from clinic.core.http import safe_next
from clinic.core.throttle import Limit, throttle_response

from . import services, two_factor
from .forms import CodeForm, LoginForm, ProfileForm, SignInLinkPasswordResetForm, SignUpForm, StaffCreateForm
from .models import Role, User
from .permissions import Cap, require
from .signals import reminder_preferences_changed

LANDING_BY_ROLE = {
    Role.CLIENT: "booking:my_appointments",
    Role.PRACTITIONER: "intake:practitioner_day",
    Role.FRONT_DESK: "frontdesk:calendar",
    Role.MANAGER: "core:manage",
}


# Where the sign-up form came from (the booking being reviewed), kept until the email is confirmed.
SIGNUP_NEXT = "accounts.signup_next"
# A password that was right, waiting for the second factor: {"uid", "backend", "next", "at"}.
PENDING_SECOND_FACTOR = "accounts.pending_second_factor"
SECOND_FACTOR_WINDOW = 5 * 60  # seconds between the password and the code


class ClinicLoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # axes locks one account per address; this slows one address that tries many accounts.
        blocked = throttle_response(request, scope="login", per_ip=Limit(settings.THROTTLE_LOGIN_IP_LIMIT,
                                                                          settings.THROTTLE_IP_WINDOW))
        return blocked or super().post(request, *args, **kwargs)

    def get_redirect_url(self) -> str:
        # The clinic's one rule for ``next`` (a path on this site); "" sends the user to their landing page.
        return safe_next(self.request, "") or ""

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.is_enabled(user):
            # The password was right; the session is only opened once the code is too.
            self.request.session[PENDING_SECOND_FACTOR] = {
                "uid": user.pk, "backend": user.backend, "next": self.get_redirect_url(),
                "at": timezone.now().timestamp()}
            return redirect("accounts:login_code")
        response = super().form_valid(form)
        if two_factor.is_required(user):
            messages.info(self.request, "The clinic asks every staff member to set up two-factor sign-in. "
                          "It takes a minute with an authenticator app on your phone.")
            return redirect("accounts:two_factor")
        return response


def login_code(request):
    """The second step of a staff sign-in with two-factor on: the code from the app, or a recovery code."""
    pending = request.session.get(PENDING_SECOND_FACTOR) or {}
    user = User.objects.filter(pk=pending.get("uid"), is_active=True).first()
    if user is None or timezone.now().timestamp() - pending.get("at", 0) > SECOND_FACTOR_WINDOW:
        request.session.pop(PENDING_SECOND_FACTOR, None)
        messages.info(request, "Please log in again.")
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        blocked = throttle_response(request, scope="second-factor", account=str(user.pk),
                                    per_account=Limit(settings.THROTTLE_IP_LIMIT, settings.THROTTLE_IP_WINDOW))
        if blocked:
            return blocked
        if form.is_valid() and two_factor.two_factor_verify(user=user, code=form.cleaned_data["code"]):
            del request.session[PENDING_SECOND_FACTOR]
            login(request, user, backend=pending["backend"])
            if two_factor.recovery_codes_left(user) <= 2:
                messages.warning(request, "You have few recovery codes left: make new ones on your "
                                 "two-factor page.")
            return redirect(pending.get("next") or "accounts:landing")
        if form.is_valid():
            form.add_error("code", "That code is not right. Enter the code your app shows now, or one of "
                           "your recovery codes.")
    return render(request, "accounts/login_code.html", {"form": form})


def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:landing")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Counted once the form is valid: a typo costs nothing and sends nothing, a sign-up sends an email.
        blocked = throttle_response(request, scope="signup", account=form.cleaned_data["email"])
        if blocked:
            return blocked
        data = form.cleaned_data
        # A new account and a taken address get the same answer (the owner is emailed instead), so nobody is
        # signed in here: the confirmation link proves the address first.
        services.client_sign_up(
            email=data["email"], password=data["password1"], first_name=data["first_name"],
            last_name=data["last_name"], phone=data["phone"], date_of_birth=data["date_of_birth"],
        )
        request.session[SIGNUP_NEXT] = safe_next(request) or ""
        return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


def signup_done(request):
    return render(request, "accounts/signup_done.html", {"next": request.session.get(SIGNUP_NEXT, "")})


def verify_email(request, token: str):
    user = services.email_verify(token=token)
    if user is None:
        messages.error(request, "That confirmation link is invalid or has expired. "
                       "Log in and ask for a new one from your account page.")
        return redirect("core:home")
    messages.success(request, "Thank you: your email address is confirmed.")
    # Back to the booking the sign-up started from (when the link is opened in that browser).
    target = request.session.pop(SIGNUP_NEXT, "") or ""
    if request.user.is_authenticated:
        return redirect(target or "accounts:landing")
    login_url = reverse("accounts:login")
    return redirect(f"{login_url}?{urlencode({'next': target})}" if target else login_url)


@require_POST
@login_required
def resend_verification(request):
    blocked = throttle_response(request, scope="verify-resend", account=str(request.user.pk))
    if blocked:
        return blocked
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


# The secret being set up lives in the session until the first code confirms it: nothing is saved before.
SETUP_SECRET = "accounts.two_factor_setup_secret"


@login_required
def two_factor_page(request):
    """A staff member's two-factor sign-in: set it up, renew recovery codes, or turn it off."""
    user = request.user
    if not user.is_clinic_staff:
        raise Http404
    form = CodeForm(request.POST or None)
    action = request.POST.get("action", "")
    context = {"form": form, "enabled": two_factor.is_enabled(user), "required": two_factor.is_required(user)}
    if request.method == "POST":
        blocked = throttle_response(request, scope="two-factor-settings", account=str(user.pk),
                                    per_account=Limit(settings.THROTTLE_IP_LIMIT, settings.THROTTLE_IP_WINDOW))
        if blocked:
            return blocked
        if form.is_valid():
            code = form.cleaned_data["code"]
            try:
                if action == "enable" and request.session.get(SETUP_SECRET):
                    codes = two_factor.two_factor_enable(user=user, secret=request.session[SETUP_SECRET], code=code)
                    del request.session[SETUP_SECRET]
                    messages.success(request, "Two-factor sign-in is on. From now on we ask for a code after "
                                     "your password.")
                    return render(request, "accounts/two_factor_codes.html", {"codes": codes})
                if action == "renew":
                    codes = two_factor.recovery_codes_renew(user=user, code=code)
                    return render(request, "accounts/two_factor_codes.html", {"codes": codes})
                if action == "disable":
                    two_factor.two_factor_disable(user=user, code=code)
                    messages.success(request, "Two-factor sign-in is off.")
                    return redirect("accounts:two_factor")
            except two_factor.TwoFactorError as exc:
                form.add_error("code", exc.message)
    if not context["enabled"]:
        secret = request.session.get(SETUP_SECRET) or two_factor.new_secret()
        request.session[SETUP_SECRET] = secret
        context |= {"secret": two_factor.secret_in_groups(secret),
                    "uri": two_factor.provisioning_uri(user=user, secret=secret)}
    return render(request, "accounts/two_factor.html", context)


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


class ClinicPasswordResetView(auth_views.PasswordResetView):
    """Django's reset: the same answer whether the email has an account; throttled per address and email."""

    def post(self, request, *args, **kwargs):
        blocked = throttle_response(request, scope="password-reset", account=request.POST.get("email", ""))
        return blocked or super().post(request, *args, **kwargs)


password_reset = ClinicPasswordResetView.as_view(
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
