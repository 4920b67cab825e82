"""The client's questionnaire page: what to do next, and why a booked session cannot go ahead."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from intake.definitions import QUESTIONNAIRE
from tests.factories import AppointmentFactory
from tests.intake.helpers import fill_draft, submit_intake, valid_answers

LONDON = ZoneInfo("Europe/London")


def _page(c):
    return c.get(reverse("intake:my_intake")).content.decode()


def test_a_new_client_is_invited_to_start(login, client_user):
    html = _page(login(client_user))
    assert "Before your first visit" in html and "Start the questionnaire" in html


def test_a_client_with_a_draft_sees_how_far_they_got(login, client_user):
    fill_draft(client_user, steps=3)
    html = _page(login(client_user))
    assert "Continue where I left off" in html
    assert 'aria-valuenow="30"' in html  # 3 of 10 steps: the cycle questions count until the client skips them


def test_a_client_with_a_sent_intake_can_read_and_update_it(login, client_user):
    submission = submit_intake(client_user)
    html = _page(login(client_user))
    assert "your questionnaire is with us" in html
    assert reverse("intake:submission", args=[submission.pk]) in html
    assert "Update my answers" in html


@time_machine.travel("2026-03-10 09:00Z")
def test_a_session_inside_a_wait_shows_the_reason_and_the_earliest_date(login, client_user):
    AppointmentFactory(client=client_user, starts_at=datetime(2026, 3, 12, 10, tzinfo=LONDON))
    AppointmentFactory(client=client_user, starts_at=datetime(2026, 3, 26, 10, tzinfo=LONDON))
    submit_intake(client_user, valid_answers(botox_date="2026-03-05"))
    html = _page(login(client_user))
    assert html.count('data-testid="blocked-session"') == 1  # the 26 March session is fine
    assert "Thursday 12 March, 10:00 cannot go ahead" in html
    assert "Botox on 5 Mar 2026: we wait 14 days" in html
    assert '<strong data-testid="earliest-date">Thursday 19 March 2026</strong>' in html


@time_machine.travel("2026-03-10 09:00Z")
def test_an_open_ended_block_asks_the_client_to_call(login, client_user):
    AppointmentFactory(client=client_user, starts_at=datetime(2026, 3, 12, 10, tzinfo=LONDON))
    submit_intake(client_user, valid_answers(skin_infection="yes"))
    html = _page(login(client_user))
    assert "treatment waits until it has healed" in html
    assert "Please call us" in html


def test_a_review_flag_tells_the_client_what_happens_next(login, client_user):
    AppointmentFactory(client=client_user)
    submit_intake(client_user, valid_answers(pregnancy="pregnant"))
    html = _page(login(client_user))
    assert "will go through some of your health answers with you" in html
    assert "cannot go ahead" not in html


def test_the_client_reads_their_sent_answers(login, client_user):
    submission = submit_intake(client_user, valid_answers(products="Rosehip oil"))
    html = login(client_user).get(reverse("intake:submission", args=[submission.pk])).content.decode()
    assert "Rosehip oil" in html
    assert "signed “Chloe Martin”" in html
    assert f"Questionnaire version {QUESTIONNAIRE['version']}" in html
