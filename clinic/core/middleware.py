from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from clinic.accounts.models import TwoFactorDevice

from .models import ClinicSettings


class ClinicTimezoneMiddleware:
    """Loads the clinic settings once per request (every ``ClinicSettings.load()`` during the request returns
    ``request.clinic``, no query) and shows times in the clinic's zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with ClinicSettings.loaded_once() as clinic:
            request.clinic = clinic
            timezone.activate(clinic.tz)
            try:
                return self.get_response(request)
            finally:
                timezone.deactivate()


class NoStoreMiddleware:
    """No page the app renders may stay in a browser's or a proxy's cache: most show someone's name, bookings or
    health answers, and a shared computer's back button or a proxy must not show them to the next person.

    Every response that reaches this middleware gets ``no-store`` (404s and redirects included), not a list of
    prefixes that a new page could miss. Static files keep their long caching: WhiteNoise answers them before
    this middleware runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):  # never_cache's own header already says it
            response["Cache-Control"] = "no-store, private"
        return response


class ContentSecurityPolicyMiddleware:
    """Sends ``settings.CONTENT_SECURITY_POLICY`` with every response: scripts only from our own files (no inline
    script, no on...= handler, no eval), so text that slips into a page cannot run as code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class StaffIdleTimeoutMiddleware:
    """Signs staff out after ``STAFF_IDLE_MINUTES`` without a request: a clinic computer left open at the desk
    must not keep a session that reads clients' records. Clients keep the ordinary session length.

    The last request's time is written at most once a minute (one session write, not one per request), so a
    session can end up to a minute early; never late.
    """

    SESSION_KEY = "clinic.last_seen"
    WRITE_EVERY = 60  # seconds

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_clinic_staff:
            now = timezone.now().timestamp()
            last_seen = request.session.get(self.SESSION_KEY)
            minutes = settings.STAFF_IDLE_MINUTES
            if last_seen is not None and now - last_seen > minutes * 60:
                logout(request)
                messages.info(request, f"You were signed out after {minutes} minutes without activity. "
                              "Please log in again.")
                return redirect_to_login(request.get_full_path())
            if last_seen is None or now - last_seen >= self.WRITE_EVERY:
                request.session[self.SESSION_KEY] = now
        return self.get_response(request)

    @classmethod
    def start_clock(cls, sender, request, user, **kwargs) -> None:
        """``user_logged_in`` receiver: the idle clock starts at log-in (an old session's time is not carried
        over), and the first page after it needs no session write."""
        if request is not None and hasattr(request, "session"):
            request.session[cls.SESSION_KEY] = timezone.now().timestamp()


class StaffTwoFactorRequiredMiddleware:
    """With ``STAFF_TWO_FACTOR_REQUIRED``, a staff member without two-factor sign-in can only set it up (or log
    out): every other page, the admin included, sends them to the set-up page."""

    ALLOWED = ("accounts:two_factor", "accounts:logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if settings.STAFF_TWO_FACTOR_REQUIRED and user is not None and user.is_authenticated \
                and user.is_clinic_staff:
            allowed = {reverse(name) for name in self.ALLOWED}
            if request.path not in allowed and not TwoFactorDevice.objects.filter(user=user).exists():
                return redirect("accounts:two_factor")
        return self.get_response(request)
