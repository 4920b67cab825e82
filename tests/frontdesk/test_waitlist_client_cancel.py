"""A client cancelling on their own page frees the time for the waitlist: offered after the cancel commits, by a
task, so the client's request neither waits for the offers nor makes any when the cancel does not commit."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.urls import reverse

from frontdesk.models import WaitlistOffer, WaitlistOpening
from tests.factories import ClientFactory

from .conftest import at
from .factories import QuickClientFactory, WaitlistEntryFactory

MONDAY = at(2026, 3, 2, 8, 0)
TUESDAY_10 = at(2026, 3, 3, 10, 0)


@time_machine.travel(MONDAY, tick=False)
def test_the_time_is_offered_once_the_clients_cancel_commits(clinic, appointment, login,
                                                              django_capture_on_commit_callbacks):
    amy = WaitlistEntryFactory(client=QuickClientFactory(first_name="Amy"), location=clinic.location,
                               service=clinic.follow_up, created_at=MONDAY - timedelta(days=3))
    owner = ClientFactory()
    session = appointment(TUESDAY_10, client=owner)
    page = login(owner)

    with django_capture_on_commit_callbacks(execute=False) as on_commit:
        response = page.post(reverse("booking:cancel", args=[session.pk]), {"reason": "work"})

    assert response.status_code == 302
    assert not WaitlistOpening.objects.exists()  # nothing offered inside the cancel's transaction
    for callback in on_commit:  # the commit: the signal hands the time to the (eager) task
        callback()
    opening = WaitlistOpening.objects.get(source_appointment=session)
    assert list(WaitlistOffer.objects.filter(opening=opening).values_list("entry", flat=True)) == [amy.pk]
