"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
ALLOW_HINT = ("Set {variable}; or, for a single-machine clinic that accepts this, CLINIC_ALLOW_EMBEDDED=1 "
              "(see the README's production section).")


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


@register(deploy=True)
def production_is_not_embedded(app_configs, **kwargs):
    """The embedded default (SQLite, filesystem broker) is for ``make run``: in production it would quietly lose
    the database's guarantees, so it must be asked for, never fallen into by a missing variable."""
    if settings.DEBUG or settings.CLINIC_ALLOW_EMBEDDED:
        return []
    errors = []
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        errors.append(Error(
            "The database is SQLite (DATABASE_URL is not set, or points at SQLite): no exclusion constraints "
            "against double bookings under load, and the audit log is not append-only.",
            hint=ALLOW_HINT.format(variable="DATABASE_URL=postgres://..."), id="clinic.E001"))
    if not settings.REDIS_URL:
        errors.append(Error(
            "REDIS_URL is not set: Celery uses the filesystem broker under CLINIC_VAR_DIR, which only works when "
            "the web, worker and beat processes share one disk.",
            hint=ALLOW_HINT.format(variable="REDIS_URL=redis://..."), id="clinic.E002"))
    return errors


@register(deploy=True)
def text_messages_have_a_provider(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    if settings.SMS_BACKEND == "clinic.notifications.sms.TwilioSmsBackend" and not (
            settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
        return [Warning("SMS_BACKEND is Twilio but TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN is empty: every text "
                        "message would fail.", hint="Set both variables.", id="clinic.W004")]
    if settings.SMS_BACKEND != settings.SMS_OUTBOX_BACKEND:
        return []
    return [Warning(
        "SMS_BACKEND is the in-app outbox: text reminders are kept in the outbox and never reach a phone.",
        hint="Set SMS_BACKEND=clinic.notifications.sms.TwilioSmsBackend with TWILIO_ACCOUNT_SID and "
             "TWILIO_AUTH_TOKEN (or another provider), or tell clients that reminders come by email only.",
        id="clinic.W003")]
