from django.utils import timezone

from .models import ClinicSettings


class ClinicTimezoneMiddleware:
    """Loads the clinic settings once per request and shows times in the clinic's zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.clinic = ClinicSettings.load()
        timezone.activate(request.clinic.tz)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class NoStoreForClinicalPagesMiddleware:
    """Every response under /intake/ (404s and redirects included) must not be cached by browsers or proxies."""

    PREFIXES = ("/intake/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.PREFIXES):
            response["Cache-Control"] = "no-store, private"
        return response
