"""Every kind of message really goes out, as plain text with an HTML version, by the client's channels,
and none says anything clinical: not the intake answers, not the flags, not the treatment notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from booking import services
from clinic.core.models import OutboxEmail
from clinic.notifications.models import Message, MessageKind, MessageState
from clinic.notifications.services import messages_dispatch
from frontdesk.services import waitlist_entry_add, waitlist_offer_accept
from intake.models import TreatmentNote
from tests.factories import ClientFactory, local
from tests.intake.helpers import submit_intake as submit_answers
from tests.test_privacy_guards import _clinical_texts, _leaks, _secret_answers

MONDAY = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_each_kind_is_sent_as_text_and_html(london, practitioner, service, client_user, mailoutbox,
                                            django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    regular = ClientFactory(first_name="Rita", phone="+44 7700 900123", sms_reminders=True)
    submit_answers(regular, _secret_answers())
    waiting, lucky = ClientFactory(first_name="Wendy"), ClientFactory(first_name="Lucas")

    def book(client, day, hh=10):
        with capture(execute=True):
            return services.appointment_book(client=client, service=service, practitioner=practitioner,
                                             starts_at=local(london, 2026, 6, day, hh, 0), location=london)

    with time_machine.travel(MONDAY, tick=False):
        first = book(client_user, 8)  # confirmation, questionnaire request; a nudge 72 h before
        course = [book(regular, day) for day in (2, 3, 4, 5, 9, 10)]  # a check-in before the 5th
        with capture(execute=True):  # three more in one go: one course confirmation
            services.course_book(client=regular, service=service, practitioner=practitioner, location=london,
                                 starts=[local(london, 2026, 6, day, 14, 0) for day in (15, 22, 29)],
                                 description="weekly on Monday at 14:00")
        with capture(execute=True):
            services.appointment_reschedule(appointment=first, actor=client_user,
                                            starts_at=local(london, 2026, 6, 8, 14, 0))
        for client in (waiting, lucky):
            waitlist_entry_add(client=client, service=service, location=london, actor=client)
        with capture(execute=True):
            services.appointment_cancel(appointment=course[0], actor=regular, by_staff=True)
        offers = Message.objects.filter(kind=MessageKind.WAITLIST_OFFER)
        with capture(execute=True):
            waitlist_offer_accept(offer=_offer(offers.get(recipient=lucky)))  # and Wendy hears it is gone
    with time_machine.travel(local(london, 2026, 6, 3, 11, 10), tick=False), capture(execute=True):
        for status in ("arrived", "completed"):
            services.appointment_set_status(appointment=course[1], status=status, actor=practitioner.user)
        TreatmentNote.objects.create(appointment=course[1], practitioner=practitioner.user, needle_count=40,
                                     notes="Ulvenbrook pattern, tongue pale", aftercare_addition="Rest this evening.")
    for instant in (local(london, 2026, 6, 3, 12, 10) + timedelta(minutes=1),  # aftercare
                    datetime(2026, 6, 5, 13, 0, tzinfo=UTC),  # the nudge, 72 h before Monday 14:00 BST
                    datetime(2026, 6, 6, 13, 0, tzinfo=UTC),  # the 48-hour reminder
                    datetime(2026, 6, 8, 9, 0, tzinfo=UTC)):  # the check-in, 48 h before session 5 (10th)
        with time_machine.travel(instant, tick=False):
            messages_dispatch()

    sent = {m.kind for m in Message.objects.filter(state=MessageState.SENT)}
    assert sent == set(MessageKind.values)
    assert len(mailoutbox) >= len(MessageKind.values)
    for email in mailoutbox:
        assert email.body.strip(), email.subject
        (html, mimetype), = email.alternatives
        assert mimetype == "text/html" and "<html" in html, email.subject
        greeting = next(line for line in email.body.splitlines() if line.startswith("Dear "))
        assert greeting[5:-1] in html, email.subject  # the same person in both versions
    texts = list(OutboxEmail.objects.filter(channel="sms").values_list("body", flat=True))
    assert len(texts) >= 2  # Rita's reminders went by text too
    needles = [*_clinical_texts(regular), "Ulvenbrook"]
    for email in mailoutbox:
        parts = [email.subject, email.body, *(content for content, _ in email.alternatives)]
        parts += [content for _name, content, _type in email.attachments]
        assert _leaks("\n".join(parts), needles) == [], email.subject
    assert _leaks("\n".join(texts), needles) == []
    assert any("Rest this evening." in email.body for email in mailoutbox)  # the practitioner's own addition


def _offer(message):
    from frontdesk.models import WaitlistOffer

    return WaitlistOffer.objects.get(pk=message.params["offer_id"])
