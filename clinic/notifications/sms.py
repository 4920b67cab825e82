"""Text messages through a pluggable backend, chosen by ``settings.SMS_BACKEND``.

The default, ``OutboxSmsBackend``, writes each text to the local outbox (``/outbox/``), so the
embedded default and a clinic without a provider still show what would have been sent. A provider
is a class with ``send(*, to, body)`` that raises on failure: ``TwilioSmsBackend`` is one.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

from .registry import PermanentFailure


class BaseSmsBackend:
    def send(self, *, to: str, body: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class OutboxSmsBackend(BaseSmsBackend):
    def send(self, *, to: str, body: str) -> None:
        from clinic.core.models import OutboxEmail

        OutboxEmail.objects.create(channel="sms", from_email=settings.SMS_FROM, to=to,
                                   subject="Text message", body=body)


class TwilioSmsBackend(BaseSmsBackend):
    """Twilio's Messages API over HTTPS. Settings: ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``, ``SMS_FROM``."""

    url = "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"

    def send(self, *, to: str, body: str) -> None:
        sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
        if not sid or not token:
            raise PermanentFailure("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set.")
        data = urllib.parse.urlencode({"To": to, "From": settings.SMS_FROM, "Body": body}).encode()
        request = urllib.request.Request(self.url.format(sid=sid), data=data, method="POST")
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=settings.EMAIL_TIMEOUT) as response:  # noqa: S310
                reply = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code != 429:  # a bad number or account: retrying cannot help
                raise PermanentFailure(f"Twilio refused the message (HTTP {exc.code}).") from exc
            raise
        if reply.get("error_code"):
            raise RuntimeError(f"Twilio refused the message: error {reply['error_code']}")


def sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
