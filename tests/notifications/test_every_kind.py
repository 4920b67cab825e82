"""Every kind of message really goes out, as plain text with an HTML version, by the client's channels,
and none says anything clinical: not the intake answers, not the flags, not the treatment notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from booking import services
from clinic.core.models import OutboxEmail
from clinic.notifications.models import SIGN_IN_KINDS, Message, MessageKind, MessageState
from clinic.notifications.services import messages_dispatch
from frontdesk.services import waitlist_entry_add, waitlist_offer_accept
from intake.healthcheck import health_check_submit
from intake.models import HealthCheck, TreatmentNote
from intake.services import intake_mark_reviewed
from tests.factories import ClientFactory, local
from tests.intake.helpers import health_check_post, in_care_of, valid_answers
from tests.intake.helpers import submit_intake as submit_answers
from tests.test_privacy_guards import _clinical_texts, _leaks, _secret_answers

MONDAY = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_each_kind_is_sent_as_text_and_html(london, practitioner, service, client_user, mailoutbox,
                                            django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    regular = ClientFactory(first_name="Rita", phone="+44 7700 900123", sms_reminders=True)
    submit_answers(regular, _secret_answers())
    # Her flags need a practitioner's review before a session can go ahead (the screening gate); the
    # practitioner reviews clients in her care.
    in_care_of(regular, practitioner)
    intake_mark_reviewed(submission=regular.intake_submissions.get(), practitioner=practitioner.user)
    waiting, lucky = ClientFactory(first_name="Wendy"), ClientFactory(first_name="Lucas")

    def book(client, day, hh=10):
        with capture(execute=True):
            return services.appointment_book(client=client, service=service, practitioner=practitioner,
                                             starts_at=local(london, 2026, 6, day, hh, 0), location=london)

    with time_machine.travel(MONDAY, tick=False):
        first = book(client_user, 8)  # confirmation, questionnaire request; a nudge 72 h before
        bea = ClientFactory(first_name="Bea")
        book(bea, 4, 15)
        with capture(execute=True):  # her questionnaire then rules that session out: please rearrange
            submit_answers(bea, valid_answers(botox_date="2026-05-30"))
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
    with time_machine.travel(datetime(2026, 6, 6, 12, 0, tzinfo=UTC), tick=False):  # Chloe's health check
        health_check_submit(appointment=first, submitted_by=client_user, via=HealthCheck.Via.ONLINE,
                            answers=health_check_post(skin_infection="yes", medicines=["isotretinoin"],
                                                      pregnancy="maybe"))
    for instant in (local(london, 2026, 6, 3, 12, 10) + timedelta(minutes=1),  # aftercare
                    datetime(2026, 6, 5, 13, 0, tzinfo=UTC),  # the nudge, 72 h before Monday 14:00 BST
                    datetime(2026, 6, 6, 13, 0, tzinfo=UTC),  # the 48-hour reminder
                    datetime(2026, 6, 8, 9, 0, tzinfo=UTC)):  # the check-in, 48 h before session 5 (10th)
        with time_machine.travel(instant, tick=False):
            messages_dispatch()

    sent = {m.kind for m in Message.objects.filter(state=MessageState.SENT)}
    # Sign-in emails (plain text, their link made at send time) are walked in test_sign_in_messages.py.
    assert sent == set(MessageKind.values) - SIGN_IN_KINDS
    assert len(mailoutbox) >= len(MessageKind.values)
    for email in mailoutbox:
        assert email.body.strip(), email.subject
        (html, mimetype), = email.alternatives
        assert mimetype == "text/html" and "<html" in html, email.subject
        greeting = next(line for line in email.body.splitlines() if line.startswith("Dear "))
        assert greeting[5:-1] in html, email.subject  # the same person in both versions
    texts = list(OutboxEmail.objects.filter(channel="sms").values_list("body", flat=True))
    assert len(texts) >= 2  # Rita's reminders went by text too
    health_flags = [flag["reason"] for flag in HealthCheck.objects.get(appointment=first).flags]
    assert len(health_flags) == 3
    needles = [*_clinical_texts(regular), *_clinical_texts(bea), "Botox", "Ulvenbrook", *health_flags,
               "cold sore", "isotretinoin", "pregnan"]
    for email in mailoutbox:
        parts = [email.subject, email.body, *(content for content, _ in email.alternatives)]
        parts += [content for _name, content, _type in email.attachments]
        assert _leaks("\n".join(parts), needles) == [], email.subject
    assert _leaks("\n".join(texts), needles) == []
    assert any("Rest this evening." in email.body for email in mailoutbox)  # the practitioner's own addition
    # Every reminder asks for the health check in one plain line, with the link to that session's page.
    reminders = [email for email in mailoutbox if email.subject.startswith("Reminder:")]
    assert reminders
    line = "Before your visit, please answer a short health check (1 minute): https://clinic.example/intake/health-check/"
    assert all(line in email.body and line.split(": ")[0] in email.alternatives[0][0] for email in reminders)
    chloes = f"{line}{first.pk}/"
    assert any(chloes in email.body and email.to == [client_user.email] for email in reminders)


def _offer(message):
    from frontdesk.models import WaitlistOffer

    return WaitlistOffer.objects.get(pk=message.params["offer_id"])
