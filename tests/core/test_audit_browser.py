"""The manager browses the audit log: who read, exported or changed which record, when and from where."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from clinic.audit.services import audit_record, break_glass_open
from tests.factories import ClientFactory, PractitionerFactory

NOW = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)  # a Monday in British Summer Time: London is UTC+1
URL = "/manage/audit/"


def _record(actor, action, client, *, at=NOW - timedelta(hours=1), ip="203.0.113.9"):
    with time_machine.travel(at, tick=False):
        return audit_record(actor=actor, action=action, obj=client, subject=client,
                            request=RequestFactory().get("/", REMOTE_ADDR=ip))


@pytest.fixture
def people(db):
    return {
        "ana": PractitionerFactory(user__first_name="Ana", user__last_name="Lopez", user__email="ana@example.com").user,
        "ben": PractitionerFactory(user__first_name="Ben", user__last_name="Hart", user__email="ben@example.com").user,
        "chloe": ClientFactory(first_name="Chloe", last_name="Martin", email="chloe@example.com"),
        "oscar": ClientFactory(first_name="Oscar", last_name="Other", email="oscar@example.com"),
    }


def _rows(response):
    return [(r["event"].actor.first_name if r["event"].actor else None, r["event"].action)
            for r in response.context["rows"]]


def test_it_is_the_managers_page_and_never_cached(client, login, people, manager_user, front_desk_user):
    assert reverse("audit:log") == URL
    assert client.get(URL).status_code == 302  # anonymous: to login
    for user in (people["ana"], people["chloe"], front_desk_user):
        assert login(user).get(URL).status_code == 403
    response = login(manager_user).get(URL)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert URL in login(manager_user).get(reverse("core:manage")).content.decode()


@time_machine.travel(NOW, tick=False)
def test_it_lists_events_newest_first_fifty_a_page(login, people, manager_user):
    for minutes in range(60):
        _record(people["ana"], "intake.view", people["chloe"], at=NOW - timedelta(minutes=60 - minutes))
    c = login(manager_user)
    first = c.get(URL + "?actor=ana")
    events = [r["event"] for r in first.context["rows"]]
    assert len(events) == 50
    assert events == sorted(events, key=lambda e: e.at, reverse=True)
    assert events[0].at == NOW - timedelta(minutes=1)
    html = first.content.decode()
    assert "actor=ana&amp;page=2" in html  # the next page keeps the filter
    assert len(c.get(URL + "?actor=ana&page=2").context["rows"]) == 10
    assert len(c.get(URL + "?page=abc").context["rows"]) == 50  # a tampered page number: the first page


@time_machine.travel(NOW, tick=False)
def test_filters_by_who_whose_data_what_and_where(login, people, manager_user):
    _record(people["ana"], "intake.view", people["chloe"])
    _record(people["ana"], "intake.export", people["chloe"])
    _record(people["ben"], "intake.review", people["oscar"], ip="198.51.100.7")
    _record(people["ben"], "treatment_note.view", people["oscar"], ip="198.51.100.7")
    c = login(manager_user)
    assert {n for n, _ in _rows(c.get(URL + "?actor=ana+lopez"))} == {"Ana"}
    assert {n for n, _ in _rows(c.get(URL + "?actor=BEN@EXAMPLE"))} == {"Ben"}
    assert {a for _, a in _rows(c.get(URL + "?subject=chloe@example.com"))} == {"intake.view", "intake.export"}
    assert {a for _, a in _rows(c.get(URL + "?action=read"))} == {"intake.view", "treatment_note.view"}
    assert _rows(c.get(URL + "?action=export")) == [("Ana", "intake.export")]
    assert _rows(c.get(URL + "?action=change")) == [("Ben", "intake.review")]
    assert {n for n, _ in _rows(c.get(URL + "?ip=198.51.100.7"))} == {"Ben"}
    assert _rows(c.get(URL + "?actor=ben&subject=chloe")) == []


@time_machine.travel(NOW, tick=False)
def test_the_date_range_is_in_the_clinics_time_zone(login, people, manager_user):
    # 23:30 UTC on 1 July is 00:30 on 2 July in London: a 2 July event for the manager.
    _record(people["ana"], "intake.view", people["chloe"], at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    _record(people["ana"], "intake.export", people["chloe"], at=datetime(2026, 7, 1, 22, 30, tzinfo=UTC))
    c = login(manager_user)
    assert _rows(c.get(URL + "?date_from=2026-07-02&date_to=2026-07-02")) == [("Ana", "intake.view")]
    assert _rows(c.get(URL + "?date_to=2026-07-01")) == [("Ana", "intake.export")]


@pytest.mark.parametrize(("query", "message"), [
    ("date_from=2026-13-45", "Enter a valid date"),
    ("date_from=9999-12-31", "between 2000 and 2100"),
    ("date_from=2026-07-05&date_to=2026-07-01", "before the start date"),
    ("ip=not-an-ip", "Enter an IP address"),
    ("action=delete-everything", "Select a valid choice"),
])
def test_a_bad_filter_gets_a_clear_message_and_keeps_what_was_typed(login, people, manager_user, query, message):
    _record(people["ana"], "intake.view", people["chloe"])
    response = login(manager_user).get(f"{URL}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert query.split("&")[0].split("=")[1] in html  # the typed value is still in its box (or named)
    assert response.context["rows"] == []


def test_control_characters_in_a_filter_are_not_a_500(login, people, manager_user):
    _record(people["ana"], "intake.view", people["chloe"])
    response = login(manager_user).get(URL, {"actor": "an\x00a", "subject": "\x00", "ip": "\x00"})
    assert response.status_code == 200
    assert _rows(response) == [("Ana", "intake.view")]


@time_machine.travel(NOW, tick=False)
def test_an_emergency_opening_stands_out_with_its_reason(login, people, manager_user):
    _record(people["ben"], "intake.view", people["chloe"])
    break_glass_open(actor=people["ana"], client=people["chloe"], reason="Client in pain, Ben is away today")
    html = login(manager_user).get(URL).content.decode()
    assert "1 emergency opening of a record" in html
    assert 'data-testid="break-glass-row"' in html
    assert "Client in pain, Ben is away today" in html
    response = login(manager_user).get(URL + "?action=break_glass")
    assert _rows(response) == [("Ana", "record.break_glass")]


@pytest.mark.parametrize("count", [3, 120])
def test_the_number_of_queries_does_not_grow_with_the_log(login, people, manager_user, count,
                                                          django_assert_max_num_queries):
    for index in range(count):
        _record(people["ana" if index % 2 else "ben"], "intake.view", ClientFactory())
    break_glass_open(actor=people["ana"], client=people["oscar"], reason="Covering for Ben: client in pain")
    c = login(manager_user)
    # clinic settings, session, user, event count, the page of events with both people (one join), the emergency
    # openings on the page, the recent-openings count; then the staff idle-time stamp (savepoint, update, release)
    with django_assert_max_num_queries(10):
        response = c.get(URL)
    assert len(response.context["rows"]) == min(count + 1, 50)
