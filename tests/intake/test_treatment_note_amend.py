"""Treatment notes keep their author and their history: only the session's practitioner writes its note, and a
later change is an amendment that keeps the earlier version, who wrote it and when."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from booking.models import AppointmentStatus
from clinic.audit.models import AuditEvent
from clinic.core.models import ClinicSettings
from intake import services
from intake.models import TreatmentNote, TreatmentNoteVersion
from tests.factories import AppointmentFactory, ClientFactory, LocationFactory, PractitionerFactory, UserFactory
from tests.intake.helpers import in_care_of

LONDON = ZoneInfo("Europe/London")
WRITTEN = datetime(2026, 3, 25, 11, 10, tzinfo=LONDON)  # after the 10:00 session
AMENDED = datetime(2026, 3, 25, 16, 45, tzinfo=LONDON)
NOTE = {"face_points": "LI20, ST3, Yintang", "body_points": "LU7", "needle_count": 42, "retention_minutes": 25,
        "reactions": ["bruising"], "notes": "Small bruise left cheek.", "aftercare_addition": ""}


@pytest.fixture
def london(db):
    return LocationFactory(name="Islington clinic", time_zone="Europe/London")


@pytest.fixture
def ana(london):
    return PractitionerFactory(user__first_name="Ana", user__last_name="Torres", location=london)


@pytest.fixture
def session(ana, london):
    return AppointmentFactory(practitioner=ana, location=london, client=ClientFactory(),
                              starts_at=datetime(2026, 3, 25, 10, 0, tzinfo=LONDON),
                              status=AppointmentStatus.COMPLETED)


@pytest.fixture
def li(london, session):
    li = PractitionerFactory(user__first_name="Li", user__last_name="Wei", location=london)
    in_care_of(session.client, li)  # she treats the client too: she reads the note, but it is not hers to write
    return li


def _url(appointment) -> str:
    return reverse("intake:treatment_note", args=[appointment.pk])


def _write(login, user, session, at, **changes):
    with time_machine.travel(at, tick=False):
        return login(user).post(_url(session), {**NOTE, **changes})


# --- only the session's practitioner writes its note ---------------------------------------------------------

def test_another_practitioner_cannot_write_over_the_note(login, ana, li, session):
    _write(login, ana.user, session, WRITTEN)
    response = _write(login, li.user, session, AMENDED, notes="Li's text", based_on=1)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Only Ana Torres, who gave this session, can write or amend its note. Nothing was saved." in html
    assert "Li&#x27;s text" in html  # what she typed is kept on the page, not in the record
    note = TreatmentNote.objects.get()
    assert (note.practitioner, note.notes, note.version, note.amended_by) == (
        ana.user, "Small bruise left cheek.", 1, None)
    assert not TreatmentNoteVersion.objects.exists()


def test_another_practitioner_cannot_write_the_first_note_either(login, li, session):
    _write(login, li.user, session, WRITTEN)
    assert not TreatmentNote.objects.exists()


def test_another_practitioner_reads_the_note_but_is_not_offered_a_form(login, ana, li, session):
    _write(login, ana.user, session, WRITTEN)
    with time_machine.travel(AMENDED, tick=False):
        response = login(li.user).get(_url(session))
    assert response.context["form"] is None
    html = response.content.decode()
    assert "Small bruise left cheek." in html
    assert "Only Ana Torres, who gave this session, writes or amends its note." in html


def test_a_manager_with_clinical_access_cannot_write_a_note(login, ana, session):
    manager = UserFactory(role="manager", can_view_clinical=True)
    ClinicSettings.objects.filter(pk=1).update(clinical_access="whole_clinic")  # she may read every record
    _write(login, ana.user, session, WRITTEN)
    assert _write(login, manager, session, AMENDED, notes="Manager's text").status_code == 403
    assert TreatmentNote.objects.get().notes == "Small bruise left cheek."


def test_the_service_refuses_anyone_but_the_sessions_practitioner(ana, li, session):
    with time_machine.travel(WRITTEN, tick=False):
        services.treatment_note_save(appointment=session, practitioner=ana.user, data=NOTE)
        with pytest.raises(services.IntakeError, match="Only Ana Torres"):
            services.treatment_note_save(appointment=session, practitioner=li.user, data={**NOTE, "notes": "x"})
    assert TreatmentNote.objects.get().notes == "Small bruise left cheek."


def test_the_service_refuses_a_note_before_the_session_starts(ana, session):
    with time_machine.travel(datetime(2026, 3, 25, 9, 30, tzinfo=LONDON), tick=False):
        session.status = AppointmentStatus.BOOKED
        with pytest.raises(services.IntakeError, match="once the session has started"):
            services.treatment_note_save(appointment=session, practitioner=ana.user, data=NOTE)
    assert not TreatmentNote.objects.exists()


# --- a later change is an amendment that keeps the earlier version -------------------------------------------

def test_an_amendment_keeps_the_earlier_text_its_author_and_its_time(login, ana, session):
    _write(login, ana.user, session, WRITTEN)
    response = _write(login, ana.user, session, AMENDED, needle_count=38, notes="Bruise was on the right cheek.",
                      amendment_reason="Wrong side noted", based_on=1)
    assert response.status_code == 302
    note = TreatmentNote.objects.get()
    assert (note.needle_count, note.notes, note.version) == (38, "Bruise was on the right cheek.", 2)
    assert (note.practitioner, note.created_at) == (ana.user, WRITTEN)  # the first author stays the author
    assert (note.amended_by, note.amended_at, note.amendment_reason) == (ana.user, AMENDED, "Wrong side noted")
    [earlier] = note.earlier_versions.all()
    assert (earlier.number, earlier.needle_count, earlier.notes, earlier.reactions) == (
        1, 42, "Small bruise left cheek.", ["bruising"])
    assert (earlier.written_by, earlier.written_at, earlier.replaced_at, earlier.reason) == (
        ana.user, WRITTEN, AMENDED, "")


def test_each_amendment_keeps_the_one_before_it(login, ana, session):
    _write(login, ana.user, session, WRITTEN)
    _write(login, ana.user, session, AMENDED, needle_count=38, amendment_reason="Recounted")
    _write(login, ana.user, session, datetime(2026, 3, 26, 9, 0, tzinfo=LONDON), needle_count=40,
           amendment_reason="Recounted again")
    note = TreatmentNote.objects.get()
    assert (note.version, note.needle_count) == (3, 40)
    assert [(v.number, v.needle_count, v.written_at, v.reason) for v in note.earlier_versions.all()] == [
        (2, 38, AMENDED, "Recounted"), (1, 42, WRITTEN, "")]


def test_saving_the_same_note_again_is_not_an_amendment(login, ana, session):
    _write(login, ana.user, session, WRITTEN)
    _write(login, ana.user, session, AMENDED, based_on=1)
    assert TreatmentNote.objects.get().version == 1
    assert not TreatmentNoteVersion.objects.exists()


def test_the_note_page_shows_who_amended_it_and_the_earlier_versions(login, ana, li, session):
    _write(login, ana.user, session, WRITTEN)
    _write(login, ana.user, session, AMENDED, needle_count=38, notes="Bruise was on the right cheek.",
           amendment_reason="Wrong side noted")
    with time_machine.travel(AMENDED, tick=False):
        html = login(li.user).get(_url(session)).content.decode()
    assert "Written by Ana Torres on 25 Mar 2026, 11:10." in html
    assert "Amended on 25 Mar 2026, 16:45 by Ana Torres</strong>: “Wrong side noted”" in html
    assert "Bruise was on the right cheek." in html
    assert "Version 1</strong> · written on 25 Mar 2026, 11:10 by Ana Torres" in html
    assert "replaced on 25 Mar 2026, 16:45" in html
    assert "Small bruise left cheek." in html  # the earlier text, still readable


def test_the_client_record_marks_an_amended_note(login, ana, session):
    _write(login, ana.user, session, WRITTEN)
    _write(login, ana.user, session, AMENDED, needle_count=38)
    with time_machine.travel(AMENDED, tick=False):
        html = login(ana.user).get(reverse("intake:client_record", args=[session.client_id])).content.decode()
    assert "38 needles" in html
    assert 'data-testid="note-amended"' in html and "amended 25 Mar 2026" in html


def test_a_save_from_a_page_opened_before_an_amendment_is_refused_and_kept(login, ana, session):
    _write(login, ana.user, session, WRITTEN)
    _write(login, ana.user, session, AMENDED, needle_count=38, based_on=1)  # in another tab
    response = _write(login, ana.user, session, AMENDED, notes="Typed in the old tab.", based_on=1)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This note was changed after you opened the page" in html
    assert "Typed in the old tab." in html
    assert response.context["form"]["based_on"].value() == "2"  # saving again amends the version now shown
    note = TreatmentNote.objects.get()
    assert (note.version, note.needle_count, note.notes) == (2, 38, "Small bruise left cheek.")

    again = _write(login, ana.user, session, AMENDED, notes="Typed in the old tab.", based_on=2)
    assert again.status_code == 302
    assert TreatmentNote.objects.get().version == 3


def test_a_first_note_from_a_page_opened_before_another_first_note_is_refused(login, ana, session):
    _write(login, ana.user, session, WRITTEN, based_on=0)
    response = _write(login, ana.user, session, WRITTEN, notes="Second tab.", based_on=0)
    assert "This note was changed after you opened the page" in response.content.decode()
    assert TreatmentNote.objects.get().notes == "Small bruise left cheek."


def test_amendments_are_audit_logged(login, ana, session):
    _write(login, ana.user, session, WRITTEN)
    _write(login, ana.user, session, AMENDED, needle_count=38)
    saved, amended = (AuditEvent.objects.get(action=action) for action in ("treatment_note.save",
                                                                            "treatment_note.amend"))
    note = TreatmentNote.objects.get()
    assert (amended.actor, amended.subject, amended.object_id, amended.at) == (
        ana.user, session.client, str(note.pk), AMENDED)
    assert saved.at == WRITTEN


# --- saves at the same moment (tabs, devices): one wins, the others are told ----------------------------------

TABS = 8

def _race(calls: list[dict]) -> list[str]:
    """Run each save in its own thread and connection at the same moment: "ok", "changed" or an error name."""
    barrier = threading.Barrier(len(calls))
    results = [""] * len(calls)

    def save(index: int, kwargs: dict) -> None:
        try:
            barrier.wait(timeout=30)
            services.treatment_note_save(**kwargs)
            results[index] = "ok"
        except services.NoteChanged:
            results[index] = "changed"
        except Exception as exc:  # noqa: BLE001 - the test reports anything else as a failure
            results[index] = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i, kwargs)) for i, kwargs in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_keep_one_note_and_refuse_the_stale_ones(ana, session):
    # Eight at once, so that some inserts really collide on the one-note-per-session rule.
    first = _race([{"appointment": session, "practitioner": ana.user, "data": {**NOTE, "notes": f"Tab {i}."},
                    "based_on": 0} for i in range(TABS)])
    assert sorted(first) == ["changed"] * (TABS - 1) + ["ok"], first
    assert TreatmentNote.objects.count() == 1

    amend = _race([{"appointment": session, "practitioner": ana.user, "data": {**NOTE, "needle_count": 30 + i},
                    "based_on": 1} for i in range(TABS)])
    assert sorted(amend) == ["changed"] * (TABS - 1) + ["ok"], amend
    note = TreatmentNote.objects.get()
    assert note.version == 2 and note.earlier_versions.count() == 1


@pytest.mark.postgres_only
def test_postgres_refuses_to_change_or_delete_an_earlier_version(ana, session):
    with time_machine.travel(WRITTEN, tick=False):
        services.treatment_note_save(appointment=session, practitioner=ana.user, data=NOTE)
        services.treatment_note_save(appointment=session, practitioner=ana.user, data={**NOTE, "needle_count": 38})
    earlier = TreatmentNoteVersion.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        TreatmentNoteVersion.objects.filter(pk=earlier.pk).update(notes="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        TreatmentNoteVersion.objects.filter(pk=earlier.pk).delete()
    assert TreatmentNoteVersion.objects.get().notes == "Small bruise left cheek."
