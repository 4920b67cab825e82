"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Warning, register

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}


@register(deploy=True)
def site_url_is_public(app_configs, **kwargs):
    host = urlsplit(settings.SITE_URL).hostname or ""
    if host in LOCAL_HOSTS:
        return [Warning(
            f"SITE_URL is {settings.SITE_URL!r}: links in emails (verification, reminders, intake, waitlist) "
            "would point at this machine.", hint="Set SITE_URL to the public address, e.g. https://clinic.example",
            id="clinic.W001")]
    if urlsplit(settings.SITE_URL).scheme != "https":
        return [Warning("SITE_URL does not use https: email links would send clients to plain HTTP.",
                        hint="Use https:// in SITE_URL.", id="clinic.W002")]
    return []
