"""The .ics attached to confirmation, rescheduled and cancelled emails: a valid, updatable event."""

from __future__ import annotations

from icalendar import Calendar

from booking import services
from booking.ics import appointment_ics, appointments_ics
from booking.models import Appointment
from tests.factories import local


def _calendar(email) -> Calendar:
    (filename, content, mimetype), = email.attachments
    assert filename == "appointment.ics"
    assert mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def _event(email):
    return _calendar(email).walk("VEVENT")[0]


def test_the_confirmation_invites_to_an_event_at_the_appointment_time(frozen, london, client_user, book,
                                                                      mailoutbox, emails):
    appointment = book(client_user, local(london, 2026, 3, 31, 10, 0))  # BST

    calendar = _calendar(emails()[0])
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "REQUEST"
    assert "method=REQUEST" in emails()[0].attachments[0][2]
    assert event.decoded("DTSTART") == appointment.starts_at
    assert event.decoded("DTSTART").isoformat() == "2026-03-31T09:00:00+00:00"
    assert event.decoded("DTEND") == appointment.ends_at
    assert str(event["SUMMARY"]) == "Facial acupuncture follow-up at Lotus Facial Acupuncture"
    assert str(event["LOCATION"]) == "Islington, 12 Willow Walk London N1 7AB"
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ATTENDEE"]) == "mailto:chloe@example.com"
    assert str(event["UID"]) == f"appointment-{appointment.pk}@clinic.example"


def test_a_move_updates_the_same_event_with_a_higher_sequence(frozen, london, client_user, book, run_on_commit,
                                                              mailoutbox, emails):
    appointment = book(client_user, local(london, 2026, 3, 25, 10, 0))
    for day in (26, 27):
        appointment = run_on_commit(services.appointment_reschedule, appointment=appointment, actor=client_user,
                                    starts_at=local(london, 2026, 3, day, 11, 0))

    events = [_event(email) for email in emails()]
    assert len({str(event["UID"]) for event in events}) == 1
    assert [event["SEQUENCE"] for event in events] == [0, 1, 2]
    assert events[-1].decoded("DTSTART") == appointment.starts_at == local(london, 2026, 3, 27, 11, 0)


def test_a_cancellation_cancels_the_same_event(frozen, london, client_user, book, run_on_commit, mailoutbox, emails):
    appointment = book(client_user, local(london, 2026, 3, 25, 10, 0))
    run_on_commit(services.appointment_cancel, appointment=appointment, actor=client_user)

    confirmation, cancellation = (_calendar(email) for email in emails())
    assert str(cancellation["METHOD"]) == "CANCEL"
    event = cancellation.walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(confirmation.walk("VEVENT")[0]["UID"])
    assert event["SEQUENCE"] == 1
    assert "method=CANCEL" in emails()[1].attachments[0][2]


def test_it_carries_no_desk_note_or_clinical_detail(appointment):
    appointment.desk_note = "Client mentioned eczema flare"
    appointment.save()

    ics = appointment_ics(appointment).decode()

    assert "eczema" not in ics.lower()
    assert "BEGIN:VCALENDAR" in ics and "END:VCALENDAR" in ics


def test_a_download_is_a_published_event_without_attendees(appointment):
    calendar = Calendar.from_ical(appointment_ics(appointment))

    assert str(calendar["METHOD"]) == "PUBLISH"
    event = calendar.walk("VEVENT")[0]
    assert event.decoded("DTSTART") == appointment.starts_at
    assert "ATTENDEE" not in event


def test_a_course_file_holds_one_event_per_session(appointment, practitioner, london, client_user,
                                                   django_assert_max_num_queries):
    from tests.factories import AppointmentFactory

    later = [AppointmentFactory(client=client_user, practitioner=practitioner,
                                starts_at=local(london, 2026, 4, day, 10, 0)) for day in (1, 8, 15)]
    appointments = Appointment.objects.select_related(
        "client", "service", "practitioner__user", "location").filter(client=client_user)

    with django_assert_max_num_queries(3):  # appointments, their events, clinic settings
        calendar = Calendar.from_ical(appointments_ics(appointments))

    starts = [event.decoded("DTSTART") for event in calendar.walk("VEVENT")]
    assert starts == [appointment.starts_at] + [a.starts_at for a in later]
    assert len({str(event["UID"]) for event in calendar.walk("VEVENT")}) == 4


def test_the_download_link_serves_the_clients_own_event(appointment, client_user, login):
    from django.urls import reverse

    response = login(client_user).get(reverse("booking:appointment_ics", args=[appointment.pk]))

    assert response.status_code == 200
    assert 'filename="appointment-2026-03-25.ics"' in response["Content-Disposition"]
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == appointment.starts_at
