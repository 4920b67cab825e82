"""Text-message backends: the outbox by default, a real provider (Twilio) when configured."""

from __future__ import annotations

import base64
import io
import json
import urllib.error
import urllib.parse
from unittest import mock

import pytest

from clinic.core.models import OutboxEmail
from clinic.notifications.registry import PermanentFailure
from clinic.notifications.sms import OutboxSmsBackend, TwilioSmsBackend, sms_backend


@pytest.fixture
def twilio(settings):
    settings.SMS_BACKEND = "clinic.notifications.sms.TwilioSmsBackend"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.SMS_FROM = "AC123", "secret", "+447700900000"


def _reply(payload: dict):
    response = mock.MagicMock()
    response.__enter__.return_value.read.return_value = json.dumps(payload).encode()
    return response


def test_the_default_backend_keeps_texts_in_the_outbox(db, settings):
    assert isinstance(sms_backend(), OutboxSmsBackend)

    sms_backend().send(to="+44 7700 900123", body="Reminder: Mon 8 Jun, 10:00 (BST)")

    text = OutboxEmail.objects.get()
    assert (text.channel, text.to, text.body) == ("sms", "+44 7700 900123", "Reminder: Mon 8 Jun, 10:00 (BST)")


def test_twilio_gets_the_number_the_text_and_the_account(twilio):
    assert isinstance(sms_backend(), TwilioSmsBackend)
    with mock.patch("urllib.request.urlopen", return_value=_reply({"sid": "SM1", "status": "queued"})) as urlopen:
        sms_backend().send(to="+447700900123", body="Reminder")

    request = urlopen.call_args.args[0]
    assert request.full_url == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
    assert request.get_method() == "POST"
    assert urllib.parse.parse_qs(request.data.decode()) == {
        "To": ["+447700900123"], "From": ["+447700900000"], "Body": ["Reminder"]}
    assert request.get_header("Authorization") == "Basic " + base64.b64encode(b"AC123:secret").decode()


def test_a_refused_number_fails_at_once_but_an_outage_is_retried(twilio):
    refused = urllib.error.HTTPError("url", 400, "Bad Request", {}, io.BytesIO(b"{}"))
    with mock.patch("urllib.request.urlopen", side_effect=refused), pytest.raises(PermanentFailure):
        sms_backend().send(to="+1", body="Reminder")
    outage = urllib.error.HTTPError("url", 503, "Unavailable", {}, io.BytesIO(b"{}"))
    with mock.patch("urllib.request.urlopen", side_effect=outage), pytest.raises(urllib.error.HTTPError):
        sms_backend().send(to="+447700900123", body="Reminder")


def test_twilio_without_credentials_fails_clearly(settings):
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(PermanentFailure, match="TWILIO_ACCOUNT_SID"):
        TwilioSmsBackend().send(to="+447700900123", body="Reminder")
