"""The load test's own parts, without gunicorn: its maths, its link and cookie handling, the clinic it seeds (every
seeded client can really book through the journey's links) and the overlap check it ends with."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl

import pytest
import time_machine
from django.contrib.auth import get_user
from django.utils import timezone

from bench import loadtest
from booking.models import Appointment, AppointmentStatus
from tests.conftest import POSTGRES
from tests.factories import AppointmentFactory, ClientFactory

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_percentile_interpolates_between_ranks():
    values = [4.0, 1.0, 3.0, 2.0]
    assert loadtest.percentile(values, 0) == 1.0
    assert loadtest.percentile(values, 50) == 2.5
    assert loadtest.percentile(values, 100) == 4.0
    assert loadtest.percentile([7.0], 95) == 7.0
    assert loadtest.percentile([], 50) != loadtest.percentile([], 50)  # NaN: nothing measured


def test_think_time_ranges():
    assert loadtest.parse_think("1-3") == (1.0, 3.0)
    assert loadtest.parse_think("0.5") == (0.5, 0.5)
    with pytest.raises(Exception, match="low <= high"):
        loadtest.parse_think("3-1")


def test_seconds_reads_as_people_read_latencies():
    assert loadtest.seconds(0.8504) == "850 ms"
    assert loadtest.seconds(2.24) == "2.2 s"
    assert loadtest.seconds(float("nan")) == "-"


def test_links_are_unescaped_and_deduplicated():
    page = ('<a href="/book/service/follow-up/review/?practitioner=1&amp;location=2&amp;start=2026-03-10T09%3A00Z">'
            '<a href="/book/service/follow-up/review/?practitioner=1&amp;location=2&amp;start=2026-03-10T09%3A00Z">'
            '<a href="/book/appointments/7/reschedule/confirm/?start=2026-03-11T10%3A00Z">')
    assert loadtest.review_links(page) == ["/book/service/follow-up/review/?practitioner=1&location=2"
                                           "&start=2026-03-10T09%3A00Z"]
    assert loadtest.confirm_links(page) == ["/book/appointments/7/reschedule/confirm/?start=2026-03-11T10%3A00Z"]
    assert loadtest.start_of(loadtest.confirm_links(page)[0]) == datetime(2026, 3, 11, 10, tzinfo=UTC)


def test_only_slots_outside_the_change_window_are_chosen():
    soon, later = "/x/?start=2026-03-02T20%3A00Z", "/x/?start=2026-03-04T09%3A00Z"
    assert loadtest.changeable([soon, later, "/x/"], now=MONDAY, window=timedelta(hours=26)) == [later]


def test_cookies_are_set_replaced_and_deleted():
    jar = {"sessionid": "abc", "messages": "old"}
    loadtest.set_cookies(jar, [
        ("Set-Cookie", "csrftoken=new; expires=Tue, 01 Dec 2027 10:00:00 GMT; Max-Age=31449600; Path=/; Secure"),
        ("Set-Cookie", 'messages=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'),
        ("Content-Type", "text/html"),
    ])
    assert jar == {"sessionid": "abc", "csrftoken": "new"}
    assert loadtest.cookie_header(jar) == "sessionid=abc; csrftoken=new"


def test_the_seed_plan_never_double_books_a_practitioner_a_room_or_a_client():
    days = [date(2026, 3, 2) + timedelta(days=n) for n in range(14)]
    plan = loadtest.seed_plan(days=days, practitioners=6, rooms=4, wanted=10_000, rng=random.Random(1))
    assert len(plan) == 12 * 4 * len(loadtest.SHIFT_STARTS)  # 12 working days, 4 rooms, every start
    at_once = [(s.day, s.start) for s in plan]
    assert len(set(zip(at_once, (s.practitioner for s in plan), strict=True))) == len(plan)
    assert len(set(zip(at_once, (s.room for s in plan), strict=True))) == len(plan)
    assert all(loadtest.works_on(s.practitioner, s.day) for s in plan)
    clients = {(s.day, s.start, loadtest.client_for(s, (s.day - days[0]).days, 10)) for s in plan}
    assert len(clients) == len(plan)
    assert len(loadtest.seed_plan(days=days, practitioners=6, rooms=4, wanted=50, rng=random.Random(1))) == 50


def test_a_seed_plan_short_of_the_grid_fills_the_diary_from_the_front():
    days = [date(2026, 3, 2) + timedelta(days=n) for n in range(84)]
    plan = loadtest.seed_plan(days=days, practitioners=6, rooms=4, wanted=1000, rng=random.Random(1))
    assert len(plan) == 1000
    first_month = sum(s.day < days[28] for s in plan)
    last_month = sum(s.day >= days[56] for s in plan)
    assert first_month > 1.5 * last_month  # the same number of planned starts in each


@pytest.mark.skipif(POSTGRES, reason="PostgreSQL's exclusion constraints refuse the rows this check must find")
def test_the_overlap_check_finds_what_the_database_would_refuse():
    first = AppointmentFactory()
    assert loadtest.overlaps() == {"practitioner": 0, "room": 0, "client": 0}
    # Starts inside the first one's clean-up buffer: same practitioner and room, another client.
    AppointmentFactory(practitioner=first.practitioner, starts_at=first.ends_at + timedelta(minutes=5))
    assert loadtest.overlaps() == {"practitioner": 2, "room": 2, "client": 0}
    Appointment.objects.filter(pk=first.pk).update(status=AppointmentStatus.CANCELLED)
    assert loadtest.overlaps() == {"practitioner": 0, "room": 0, "client": 0}


def test_the_overlap_check_finds_a_client_in_two_places_at_once():
    """Nothing in the database refuses this one (the services do), so it is checked on every database."""
    first = AppointmentFactory()
    # The same client at the same time elsewhere (another practitioner, room and location).
    AppointmentFactory(client=first.client, starts_at=first.starts_at + timedelta(minutes=30))
    assert loadtest.overlaps() == {"practitioner": 0, "room": 0, "client": 2}
    Appointment.objects.filter(pk=first.pk).update(status=AppointmentStatus.CANCELLED)
    assert loadtest.overlaps()["client"] == 0


def test_an_appointment_ending_as_another_starts_is_no_overlap():
    first = AppointmentFactory()
    AppointmentFactory(practitioner=first.practitioner, client=first.client, starts_at=first.blocked_until)
    assert loadtest.overlaps() == {"practitioner": 0, "room": 0, "client": 0}


def test_confirmations_count_only_this_runs_messages():
    from clinic.notifications.models import Message, MessageKind

    Message.objects.create(key="old", kind=MessageKind.CONFIRMATION, recipient=ClientFactory(), due_at=MONDAY,
                           created_at=MONDAY - timedelta(days=1))
    Message.objects.create(key="new", kind=MessageKind.CONFIRMATION, recipient=ClientFactory(), due_at=MONDAY,
                           state="sent", sent_at=MONDAY, created_at=MONDAY)
    assert loadtest.confirmations(MONDAY) == {"sent": 1}


@time_machine.travel(MONDAY, tick=False)
def test_every_seeded_client_is_signed_in_and_can_book_through_the_journeys_links(client):
    seeded = loadtest.seed(clients=3, practitioners=3, rooms=2, sessions=40, now=timezone.now(),
                           rng=random.Random(5))
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 40
    assert Appointment.objects.filter(status=AppointmentStatus.COMPLETED).count() == 3
    assert loadtest.overlaps() == {"practitioner": 0, "room": 0, "client": 0}
    journey = loadtest.Journey(location=seeded.location, practitioners=seeded.practitioners,
                               horizon_days=seeded.horizon_days, window=seeded.window, think=None,
                               rng=random.Random(2))
    for key in seeded.session_keys:
        client.cookies["sessionid"] = key
        assert get_user(client).is_authenticated
        week = client.get(journey.times_url(MONDAY.date()))
        assert week.status_code == 200
        links = loadtest.changeable(loadtest.review_links(week.content.decode()), now=MONDAY, window=seeded.window)
        assert links, "the week shows free times"
        path, _, query = links[0].partition("?")
        assert client.get(links[0]).status_code == 200
        booked = client.post(path, dict(parse_qsl(query)))
        assert booked.status_code == 302, "a returning client with a questionnaire on file may book the follow-up"
        assert loadtest._BOOKED.match(booked["Location"])
    assert loadtest.overlaps() == {"practitioner": 0, "room": 0, "client": 0}


def test_server_timing_reads_what_the_middleware_writes(rf):
    from django.db import connection
    from django.http import HttpResponse

    def view(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT 2")
        return HttpResponse("ok")

    header = loadtest.ServerTiming(view)(rf.get("/"))["Server-Timing"]
    timing = loadtest.server_timing(header)
    assert set(timing) == {"cpu", "db", "queries", "app"}
    assert timing["queries"] == 2
    assert timing["app"] >= timing["db"] >= 0
    assert loadtest.server_timing("") == {}
    assert loadtest.server_timing('cpu;dur=12.5, db;dur=3.1;desc="9 queries", app;dur=20') == {
        "cpu": 12.5, "db": 3.1, "queries": 9, "app": 20}


def _phase(name: str, latencies: dict[str, list[float]], outcomes: dict[str, int], elapsed: float = 10.0):
    stats = loadtest.Stats()
    for step, values in latencies.items():
        for value in values:
            stats.record(step, value, 200, {"app": value * 500, "cpu": 10.0, "db": 5.0, "queries": 12})
    stats.outcomes.update(outcomes)
    return loadtest.Phase(name, stats, elapsed, server_cpu=2.0, worker_cpu=0.5, own_cpu=0.3, db_cpu=0.4,
                          database={"running": 0.5})


def test_the_json_rows_follow_the_figure_contract_with_the_issues_labels():
    args = loadtest.parse_args([])
    bare = _phase("bare insert", {"bare insert": [0.01] * 100}, {})
    fast = _phase("no think time", {"book": [0.2] * 30, "times": [0.1] * 30}, {"booked": 250})
    calm = _phase("think 1-3 s", {"book": [0.1] * 30, "times": [0.05] * 30}, {"booked": 10})
    rows = loadtest.json_rows(no_think=fast, think=calm, bare=bare, args=args, clean=True)
    assert [r["path"] for r in rows] == [
        "50 clients booking at once through gunicorn (3 workers) + PostgreSQL, no think time",
        "50 clients with 1-3 s think time"]
    assert all(set(r) == {"path", "value", "target", "ok", "public", "db"} and r["db"] == "postgresql" for r in rows)
    assert rows[0]["value"] == "25.00 confirmed bookings/s, p50 150 ms, p95 200 ms; bare insert 10 req/s"
    assert [r["ok"] for r in rows] == [True, True]
    assert [r["ok"] for r in loadtest.json_rows(no_think=fast, think=calm, bare=bare, args=args, clean=False)] == [
        False, False]  # an error or an overlap fails the row whatever the speed
    two_masters = loadtest.parse_args(["--web", "2", "--workers", "2", "--clients", "20"])
    assert loadtest.json_rows(no_think=fast, think=None, bare=bare, args=two_masters, clean=True)[0]["path"] == (
        "20 clients booking at once through gunicorn (2 x 2 workers) + PostgreSQL, no think time")


def test_the_step_table_shows_latency_beside_what_the_server_reported():
    rows = loadtest.phase_rows(_phase("no think time", {"book": [0.2, 0.4], "times": [0.1]}, {"booked": 2}))
    assert rows[0] == ["no think time", "book", "2", "300 ms", "390 ms", "400 ms", "150", "10", "5", "12"]
    assert rows[-1][:3] == ["no think time", "all requests", "3"]


def test_a_bad_think_time_is_a_usage_error():
    with pytest.raises(SystemExit):
        loadtest.parse_args(["--think", "3-1"])
    assert loadtest.parse_args(["--think", "0"]).think_range is None


def test_bookings_are_also_read_against_the_bare_insert_of_the_same_run():
    bare = _phase("bare insert", {"bare insert": [0.01] * 3000}, {}, elapsed=10.0)  # 300 a second
    journeys = _phase("no think time", {"book": [0.2] * 30}, {"booked": 60}, elapsed=10.0)  # 6 a second
    assert loadtest.per_hundred_bare(journeys, bare) == pytest.approx(2.0)
