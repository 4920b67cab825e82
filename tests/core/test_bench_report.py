"""``make bench``'s table, without running a benchmark: reading the scripts' rows, the medians of alternating
rounds, the ratios beside the public app and the verdicts they give, the placeholders that say why a figure is
missing, and the table itself. Also the public-app script's own pure parts (its weekday numbers, the local pieces
it exports our schedule as, its side-by-side rows)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bench import public_app, report

ONE = "one practitioner, a month (3 practitioners, 500 sessions)"
REVIEW = "booking review GET + POST (what a client's click costs)"


def row(path: str, value: str, db: str = "sqlite", **extra) -> dict:
    return report.normalise({"path": path, "value": value, "db": db, **extra}, db)


@pytest.mark.parametrize(("value", "ms"), [
    ("23 ms, 8 queries", 23.0),
    ("2.1x (12 ms vs 5.5 ms), 20 queries", 12.0),
    ("sent in 1.25 s", 1250.0),
    ("12.3 confirmed bookings/s, p50 0.8 s", 800.0),
    ("467 KiB", None),
    ("", None),
    (None, None),
])
def test_parse_ms_reads_the_first_duration(value, ms):
    assert report.parse_ms(value) == ms


def test_parse_rows_fills_defaults_and_drops_what_is_not_a_row():
    text = json.dumps([{"path": ONE, "value": "23 ms, 8 queries"}, {"value": "no path"}, "junk",
                       {"path": "x", "value": 5, "db": "postgresql", "ok": True, "ms": 4.5}])
    rows = report.parse_rows(text, "sqlite")
    assert [(r["path"], r["db"], r["ms"], r["ok"], r["target"], r["public"]) for r in rows] == [
        (ONE, "sqlite", 23.0, None, None, None), ("x", "postgresql", 4.5, True, None, None)]
    assert rows[1]["value"] == "5"
    assert report.parse_rows("not json", "sqlite") == []
    assert report.parse_rows('{"path": "x"}', "sqlite") == []


def test_merge_rounds_keeps_the_median_round_per_path_and_database():
    rounds = [[row(ONE, "30 ms, 8 queries"), row(ONE, "90 ms", db="postgresql")],
              [row(ONE, "20 ms, 8 queries")],
              [row(ONE, "25 ms, 8 queries"), row("other", "n/a")]]
    merged = {(r["path"], r["db"]): r for r in report.merge_rounds(rounds)}
    assert merged[(ONE, "sqlite")]["value"] == "25 ms, 8 queries"
    assert merged[(ONE, "sqlite")]["rounds"] == 3
    assert merged[(ONE, "postgresql")]["value"] == "90 ms"
    assert merged[("other", "sqlite")]["value"] == "n/a"


def test_an_even_number_of_rounds_shows_a_measured_figure_not_an_average():
    merged = report.merge_rounds([[row(ONE, "20 ms")], [row(ONE, "30 ms")]])
    assert merged[0]["value"] == "20 ms" and merged[0]["ms"] == 20.0


def test_alternating_rounds_win_over_a_single_run_of_the_same_figure():
    alternating = [[row(ONE, "20 ms")], [row(ONE, "22 ms")]]
    once = [[row(ONE, "99 ms"), row("front-desk week", "50 ms")], [row(ONE, "80 ms", db="postgresql")]]
    rows = report.merge_rounds(report.prefer_alternating(alternating, once))
    assert [(r["path"], r["db"], r["value"]) for r in rows] == [
        (ONE, "sqlite", "20 ms"), ("front-desk week", "sqlite", "50 ms"), (ONE, "postgresql", "80 ms")]


def test_ratios_of_medians_and_verdicts_beside_the_public_app():
    rows = [row(ONE, "20 ms, 8 queries"), row("public app: one practitioner, a month", "400 ms, 425 queries"),
            row(REVIEW, "60 ms, 30 queries", target="<= 1.0x"), row("public app: whole booking", "50 ms, 57 queries"),
            row(ONE, "25 ms, 8 queries", db="postgresql")]
    out = {(r["path"], r["db"]): r for r in report.side_by_side(rows)}
    assert ("public app: one practitioner, a month", "sqlite") not in out  # shown beside ours instead
    assert ("public app: whole booking", "sqlite") not in out
    one = out[(ONE, "sqlite")]
    assert one["public"] == "400 ms, 425 queries (ours 20.0x faster)"
    assert one["ok"] is True and one["target"] == ">= 16x faster than the public app"
    review = out[(REVIEW, "sqlite")]
    assert review["public"] == "50 ms, 57 queries (ours 1.20x its time)"
    assert review["ok"] is False and review["target"] == "<= 1.0x the public app's whole booking"
    assert out[(ONE, "postgresql")]["public"] is None  # the public app runs on SQLite only


def test_a_lead_below_the_target_fails_and_a_lonely_public_row_stays():
    rows = [row(ONE, "40 ms"), row("public app: one practitioner, a month", "400 ms"),
            row("public app: whole booking", "50 ms")]
    out = {r["path"]: r for r in report.side_by_side(rows)}
    assert out[ONE]["ok"] is False and "ours 10.0x faster" in out[ONE]["public"]
    assert out["public app: whole booking"]["value"] == "50 ms"  # no review row of ours to sit beside


@pytest.mark.parametrize(("ours", "public", "faster", "ratio"), [
    (20.0, 400.0, True, 20.0), (60.0, 50.0, False, 1.2), (0.0, 5.0, True, float("inf"))])
def test_ratio_of(ours, public, faster, ratio):
    assert report.ratio_of(ours, public, faster) == pytest.approx(ratio)


def test_complete_orders_the_issue_rows_and_says_why_one_is_missing():
    expected = (("b", "booking", ("sqlite", "postgresql"), "<= 2.5x"), ("l", "loadtest", ("postgresql",), "p95"),
                ("a", "availability", ("sqlite",), "<= 40 ms"))
    rows = [row("extra", "1 ms"), row("b", "10 ms"), row("more", "2 ms"), row("extra", "3 ms", db="postgresql")]
    reasons = {("booking", "postgresql"): "skipped: needs PostgreSQL",
               ("loadtest", "postgresql"): "skipped: needs PostgreSQL",
               ("dispatch", "sqlite"): "failed: exit 2", ("dispatch", "postgresql"): "skipped (--quick)"}
    out = report.complete(rows, reasons, expected)
    assert out[1]["target"] == "<= 2.5x"  # a placeholder still shows what the figure must reach
    assert [(r["path"], r["db"], r["value"]) for r in out] == [
        ("b", "sqlite", "10 ms"), ("b", "postgresql", "skipped: needs PostgreSQL"),
        ("l", "postgresql", "skipped: needs PostgreSQL"),  # availability did not run at all: no row
        ("extra", "sqlite", "1 ms"), ("extra", "postgresql", "3 ms"), ("more", "sqlite", "2 ms"),
        ("bench/dispatch.py", "sqlite", "failed: exit 2")]  # no expected row of its own says so


def test_the_expected_rows_and_the_comparisons_agree_on_targets():
    targets = {path: target for path, _script, _dbs, target in report.EXPECTED}
    for comparison in report.COMPARISONS:
        assert targets[comparison.ours] == comparison.target_text


def test_reason_not_run():
    dispatch = next(s for s in report.SCRIPTS if s.name == "dispatch")
    booking = next(s for s in report.SCRIPTS if s.name == "booking")
    url = "postgres://postgres@127.0.0.1:5432/clinic"
    kwargs = {"quick": False, "postgres": url, "redis": "redis://127.0.0.1:6379/6"}
    assert report.reason_not_run(booking, "postgresql", **{**kwargs, "postgres": None}) == "skipped: needs PostgreSQL"
    assert report.reason_not_run(dispatch, "postgresql", **{**kwargs, "redis": None}) == "skipped: needs Redis"
    assert report.reason_not_run(booking, "postgresql", **{**kwargs, "redis": None}) is None
    assert report.reason_not_run(dispatch, "postgresql", **{**kwargs, "quick": True}) == "skipped (--quick)"
    assert report.reason_not_run(dispatch, "sqlite", **{**kwargs, "quick": True}) is None
    missing = report.Script("no_such_script", ("sqlite",))
    assert report.reason_not_run(missing, "sqlite", **kwargs) == "missing: bench/no_such_script.py not found"


def test_only_the_dispatch_run_on_postgresql_is_told_which_redis_database_it_may_empty():
    dispatch = next(s for s in report.SCRIPTS if s.name == "dispatch")
    loadtest = next(s for s in report.SCRIPTS if s.name == "loadtest")
    assert report.script_args(dispatch, "postgresql", "redis://127.0.0.1:6379/6") == ["--redis-db", "6"]
    assert report.script_args(dispatch, "postgresql", "redis://127.0.0.1:6379") == ["--redis-db", "0"]
    assert report.script_args(dispatch, "sqlite", "redis://127.0.0.1:6379/6") == []
    assert report.script_args(loadtest, "postgresql", "redis://127.0.0.1:6379/6") == []


def test_selected_scripts():
    assert report.selected(None) == report.SCRIPTS
    assert [s.name for s in report.selected("public_app, bench/booking.py")] == ["booking", "public_app"]
    with pytest.raises(SystemExit):
        report.selected("nonsense")


def test_default_postgres_only_borrows_a_postgres_database_url():
    assert report.default_postgres("postgres://u@db:5432/x") == "postgres://u@db:5432/x"
    assert report.default_postgres("sqlite:///var/clinic.sqlite3") == "postgres://postgres@127.0.0.1:5432/clinic"


def test_script_env_runs_sqlite_without_database_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://elsewhere/prod")
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "clinic.settings")
    assert "DATABASE_URL" not in report.script_env("sqlite", "postgres://x/y", "redis://r/6")
    env = report.script_env("postgresql", "postgres://x/y", "redis://r/6")
    assert (env["DATABASE_URL"], env["REDIS_URL"]) == ("postgres://x/y", "redis://r/6")
    assert "DJANGO_SETTINGS_MODULE" not in env  # each script chooses its own


def test_format_table_plain_and_markdown():
    rows = [row(ONE, "20 ms, 8 queries", ok=True, target=">= 16x", public="400 ms (ours 20.0x faster)"),
            row("dispatch | x", "skipped: needs PostgreSQL", db="postgresql")]
    plain = report.format_table(rows).splitlines()
    assert plain[0].split() [:3] == ["path", "db", "ours"]
    assert plain[1].startswith("----")
    assert "SQLite" in plain[2] and " yes " in plain[2] and plain[2].endswith("400 ms (ours 20.0x faster)")
    assert "PostgreSQL" in plain[3] and plain[3].rstrip().endswith("-")
    assert len({line.index("SQLite") for line in plain[2:3]} | {plain[3].index("PostgreSQL")}) == 1  # aligned
    markdown = report.format_table(rows, markdown=True).splitlines()
    assert markdown[0] == "| path | db | ours | target | ok? | public app (same run) |"
    assert markdown[1] == "|---|---|---|---|---|---|"
    assert markdown[3].startswith("| dispatch \\| x | PostgreSQL | skipped: needs PostgreSQL | - | - | - |")


def test_ok_mark():
    assert [report.ok_mark(v) for v in (True, False, None)] == ["yes", "NO", "-"]


# The public-app script's pure parts -----------------------------------------------------------------------------

def test_public_weekday_counts_from_sunday():
    assert public_app.public_weekday(date(2026, 12, 6)) == 0  # a Sunday
    assert public_app.public_weekday(date(2026, 12, 7)) == 1  # a Monday
    assert public_app.public_weekday(date(2026, 12, 12)) == 6  # a Saturday


def test_local_pieces_split_an_instant_range_by_local_day():
    london = ZoneInfo("Europe/London")
    today = date(2026, 7, 1)
    session = public_app.local_pieces(datetime(2026, 7, 2, 8, tzinfo=UTC), datetime(2026, 7, 2, 9, tzinfo=UTC),
                                      london, today)
    assert session == [[1, "09:00", "10:00"]]  # British Summer Time
    off = public_app.local_pieces(datetime(2026, 7, 2, 23, tzinfo=UTC), datetime(2026, 7, 4, 23, tzinfo=UTC),
                                  london, today)
    assert off == [[2, "00:00", "23:59"], [3, "00:00", "23:59"]]  # whole local days: 3 Jul 00:00 to 5 Jul 00:00


def test_public_side_by_side_rows():
    def sample(path, ms, queries=8):
        return {"path": path, "value": f"{ms} ms, {queries} queries", "db": "sqlite", "ms": ms, "queries": queries}

    rounds = {public_app.ONE_LABEL: [sample(public_app.ONE_LABEL, 20), sample(public_app.ONE_LABEL, 30)],
              public_app.PUBLIC_ONE: [sample(public_app.PUBLIC_ONE, 300, 425), sample(public_app.PUBLIC_ONE, 400, 425)],
              public_app.PUBLIC_BOOKING: [sample(public_app.PUBLIC_BOOKING, 50, 57)]}
    rows = public_app.compare(rounds)
    assert [r["path"] for r in rows] == [public_app.ONE_LABEL, public_app.PUBLIC_ONE, public_app.PUBLIC_BOOKING]
    assert rows[0]["public"] == "300 ms, 425 queries (ours 15.0x faster)" and rows[0]["ok"] is False
    assert rows[0]["rounds"] == 2 and rows[1]["ms"] == 300
