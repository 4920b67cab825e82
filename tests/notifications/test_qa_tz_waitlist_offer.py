"""A freed New York time reaches the waitlist at its New York wall-clock time, zone named, in the email and on
the offer page, while the clinic's own zone is Asia/Tokyo. US clocks go forward on Sunday 8 March 2026."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import time_machine

from booking.services import appointment_cancel
from clinic.core.models import ClinicSettings
from frontdesk.models import WaitlistEntry
from tests import factories
from tests.factories import local


def test_the_offer_email_and_page_show_the_new_york_time_and_zone(client, front_desk_user, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    ClinicSettings.objects.update(time_zone="Asia/Tokyo")
    new_york = factories.LocationFactory(name="SoHo", time_zone="America/New_York")
    practitioner = factories.PractitionerFactory(location=new_york)
    service = practitioner.services.get()
    nora = factories.ClientFactory(first_name="Nora", email="nora@example.com")
    WaitlistEntry.objects.create(client=nora, service=service, location=new_york, added_by=nora)
    with time_machine.travel(datetime(2026, 3, 6, 12, 0, tzinfo=UTC), tick=False):
        taken = factories.AppointmentFactory(practitioner=practitioner, starts_at=local(new_york, 2026, 3, 9, 10, 0))
        with django_capture_on_commit_callbacks(execute=True):
            appointment_cancel(appointment=taken, actor=front_desk_user, reason="ill", by_staff=True)
        offer_email = next(m for m in mailoutbox if m.to == ["nora@example.com"])
        assert "Monday 9 March 2026 at 10:00 (EDT)" in offer_email.body
        link = re.search(r"https?://\S+/waitlist/offer/\S+", offer_email.body).group(0)
        page = client.get(link[link.index("/desk/"):]).content.decode()
    assert "Monday 9 March 2026 at 10:00" in page
