"""The practitioner sees, as she types, exactly the aftercare email the client will receive, with a warning
about clinical details."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from booking.models import AppointmentStatus
from booking.notifications import appointment_message_build
from clinic.notifications.models import Message, MessageKind
from intake import services
from intake.notifications import clinical_terms_in
from tests.factories import AppointmentFactory, PractitionerFactory

NOW = "2026-03-10 15:00Z"  # a Tuesday afternoon, after the session


@pytest.fixture
def practitioner():
    return PractitionerFactory(user__first_name="Ana")


@pytest.fixture
def session(client_user, practitioner):
    service = practitioner.services.first()
    service.aftercare_note = "Avoid make-up tonight.\n\n- Drink plenty of water\n- Rest"
    service.save()
    return AppointmentFactory(client=client_user, practitioner=practitioner, service=service,
                              starts_at=datetime(2026, 3, 10, 12, 0, tzinfo=UTC), status=AppointmentStatus.COMPLETED)


def _preview(web, session, addition):
    return web.post(reverse("intake:aftercare_preview", args=[session.pk]), {"aftercare_addition": addition})


@time_machine.travel(NOW, tick=False)
def test_the_preview_is_exactly_the_email_the_client_receives(login, session, practitioner):
    addition = "A cold compress tonight helps."
    response = _preview(login(practitioner.user), session, addition)

    html = response.content.decode()
    assert response.status_code == 200
    services.treatment_note_save(appointment=session, practitioner=practitioner.user,
                                 data={"needle_count": 10, "aftercare_addition": addition})
    sent = appointment_message_build(Message(kind=MessageKind.AFTERCARE, appointment=session,
                                             recipient=session.client, due_at=timezone.now()))
    from django.template.defaultfilters import linebreaksbr
    from django.utils.html import escape

    assert escape(sent.subject) in html
    assert linebreaksbr(escape(sent.text)) in html  # the whole email, character for character
    assert "A note from Ana:\nA cold compress tonight helps." in sent.text  # the addition, where the client reads it
    assert "Drink plenty of water" in sent.text


@time_machine.travel(NOW, tick=False)
def test_the_preview_follows_what_is_typed_and_saves_nothing(login, session, practitioner):
    web = login(practitioner.user)
    assert b"Keep the area dry" in _preview(web, session, "Keep the area dry.").content
    assert b"A note from Ana" not in _preview(web, session, "").content
    assert not hasattr(session, "treatment_note") or session.treatment_note is None


@time_machine.travel(NOW, tick=False)
def test_markup_typed_in_the_addition_is_shown_as_text(login, session, practitioner):
    html = _preview(login(practitioner.user), session, "<b onmouseover=x>Rest</b>").content.decode()
    assert "&lt;b onmouseover=x&gt;Rest&lt;/b&gt;" in html and "<b onmouseover" not in html


@time_machine.travel(NOW, tick=False)
def test_a_clinical_term_in_the_addition_shows_a_warning(login, session, practitioner):
    web = login(practitioner.user)
    warned = _preview(web, session, "Given your pregnancy and the Yin deficiency, rest well.").content.decode()
    assert 'data-testid="aftercare-clinical-warning"' in warned
    assert "pregnancy, yin, deficiency" in warned
    calm = _preview(web, session, "A cold compress tonight helps, and drink plenty of water.").content.decode()
    assert "aftercare-clinical-warning" not in calm


def test_clinical_terms_are_whole_words_in_any_case():
    assert clinical_terms_in("Your BOTOX and blood pressure") == ["blood pressure", "Botox"]
    assert clinical_terms_in("qigong is lovely; please liverwurst") == []  # not inside other words
    assert clinical_terms_in("") == []


@time_machine.travel(NOW, tick=False)
def test_only_the_sessions_practitioner_previews_it(login, session, front_desk_user):
    colleague = PractitionerFactory().user
    assert _preview(login(colleague), session, "x").status_code == 404
    assert _preview(login(front_desk_user), session, "x").status_code == 403
    assert _preview(login(session.client), session, "x").status_code == 403


@time_machine.travel(NOW, tick=False)
def test_the_note_page_warns_and_loads_the_preview_beside_the_addition(login, session, practitioner):
    html = login(practitioner.user).get(reverse("intake:treatment_note", args=[session.pk])).content.decode()
    assert reverse("intake:aftercare_preview", args=[session.pk]) in html
    assert "no diagnosis or\n            clinical details" in html or "no diagnosis or clinical details" in html
    assert 'hx-trigger="load, input changed delay:500ms from:#id_aftercare_addition"' in html
