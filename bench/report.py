"""Every benchmark in one table: each figure beside its target and, where one exists, the public app's. Asserts nothing.

    .venv/bin/python bench/report.py [--quick] [--only booking,public_app] [--rounds 3] [--markdown] [--json PATH]

Runs each script under ``bench/`` in its own process with ``--json`` (the figure contract in ``bench/README.md``):
first on SQLite, then, when PostgreSQL answers, on PostgreSQL (``--postgres URL``, default ``DATABASE_URL`` when it
is PostgreSQL, else ``postgres://postgres@127.0.0.1:5432/clinic``; each script makes its own ``test_...`` database
beside it and drops it) with Redis (``--redis URL``, default database 13 of the local server: the dispatch
benchmark empties it). Rows a machine can't measure say why ("skipped: needs PostgreSQL"); a script that is
missing, fails or overruns ``--timeout`` costs its own rows only.

The side-by-side figures are measured in alternating rounds: ``bench/booking.py`` and ``bench/public_app.py`` (which
itself alternates our engine and the public app's) run one after the other ``--rounds`` times; each figure is the
median round, and a ratio is the ratio of the two medians. ``--quick`` leaves out the load test and the PostgreSQL +
Redis dispatch runs (minutes each). Each script's own printout is kept in ``var/bench/report/``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time as clock
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SQLITE, POSTGRES = "sqlite", "postgresql"
DB_NAMES = {SQLITE: "SQLite", POSTGRES: "PostgreSQL"}


@dataclass(frozen=True)
class Script:
    """A bench script: where it runs, and whether it takes part in the alternating side-by-side rounds."""

    name: str
    dbs: tuple[str, ...]
    alternating: bool = False
    needs_redis: bool = False
    heavy: bool = False  # minutes long on PostgreSQL: left out by --quick
    empties_redis_db: bool = False  # takes ``--redis-db N`` and empties that database


SCRIPTS = (
    Script("booking", (SQLITE, POSTGRES), alternating=True),
    Script("public_app", (SQLITE,), alternating=True),
    Script("availability", (SQLITE, POSTGRES)),
    Script("front_desk_calendar", (SQLITE, POSTGRES)),
    Script("dispatch", (SQLITE, POSTGRES), needs_redis=True, heavy=True, empties_redis_db=True),
    Script("loadtest", (POSTGRES,), needs_redis=True, heavy=True),
)

# The rows, in its order: (row label, script, databases, target). A row missing where its script did not
# run says why; scripts may add more rows (on PostgreSQL, bench/availability.py reports the public-app data's rows).
EXPECTED = (
    ("booking POST vs a bare view inserting one row on the same stack", "booking", (SQLITE, POSTGRES),
     "<= 2.5x, <= 20 queries"),
    ("booking review GET + POST (what a client's click costs)", "booking", (SQLITE, POSTGRES),
     "<= 1.0x the public app's whole booking"),
    ("front-desk week, 8 practitioners, 448 sessions", "front_desk_calendar", (SQLITE, POSTGRES),
     "<= 60 ms, <= 150 KiB, <= 14 queries"),
    ("one practitioner, a month (3 practitioners, 500 sessions)", "public_app", (SQLITE, POSTGRES),
     ">= 16x faster than the public app"),
    ("any practitioner, a month (3 practitioners, 500 sessions)", "public_app", (SQLITE, POSTGRES),
     ">= 35x faster than the public app"),
    ("any practitioner, 30 days, 20 practitioners, 20,000 sessions", "availability", (SQLITE, POSTGRES),
     "<= 40 ms, <= 8 queries"),
    ("one practitioner, 30 days, 500 -> 20,000 sessions", "availability", (SQLITE, POSTGRES), "<= 1.3x"),
    ("dispatching due messages (PostgreSQL + Redis, 2 workers)", "dispatch", (POSTGRES,),
     "10,000 due reminders sent in <= 60 s, each once"),
    ("recovery after a worker is killed mid-send", "dispatch", (POSTGRES,), "<= 2 min, still exactly once"),
    ("50 clients booking at once through gunicorn (3 workers) + PostgreSQL, no think time", "loadtest", (POSTGRES,),
     ">= 20 confirmed bookings/s, p95 <= 1 s"),
    ("50 clients with 1-3 s think time", "loadtest", (POSTGRES,), "p95 <= 300 ms"),
)


@dataclass(frozen=True)
class Comparison:
    """Our row beside the public app's: ``faster`` targets say how many times faster ours must be; otherwise the
    target is the most ours may cost as a multiple of the public app's figure. ``target_text`` says it in words."""

    ours: str
    public: str
    target: float
    faster: bool
    target_text: str


# The issue: keep the engine's lead (16x for one practitioner's month, 35x for any practitioner); a client's click
# (review GET + POST) at most the public app's whole booking.
COMPARISONS = (
    Comparison("one practitioner, a month (3 practitioners, 500 sessions)", "public app: one practitioner, a month",
               16.0, True, ">= 16x faster than the public app"),
    Comparison("any practitioner, a month (3 practitioners, 500 sessions)", "public app: any practitioner, a month",
               35.0, True, ">= 35x faster than the public app"),
    Comparison("booking review GET + POST (what a client's click costs)", "public app: whole booking",
               1.0, False, "<= 1.0x the public app's whole booking"),
)

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s)\b")


# ---------------------------------------------------------------------------------------------------------------
# Pure parts: rows, medians, ratios, the table
# ---------------------------------------------------------------------------------------------------------------

def parse_ms(value: str | None) -> float | None:
    """The first duration in a figure's human string, in ms ("23 ms, 8 queries" -> 23.0; "1.2 s" -> 1200.0)."""
    match = _DURATION.search(value or "")
    if match is None:
        return None
    number = float(match.group(1))
    return number if match.group(2) == "ms" else number * 1000


def normalise(row: dict, db: str) -> dict | None:
    """A contract row with every field present (``db`` defaults to the run's), or None if it has no path."""
    if not isinstance(row, dict) or not row.get("path"):
        return None
    out = {"target": None, "ok": None, "public": None, **row}
    out["value"] = str(out.get("value", ""))
    out["db"] = out.get("db") or db
    if out.get("ms") is None:
        out["ms"] = parse_ms(out["value"])
    return out


def parse_rows(text: str, db: str) -> list[dict]:
    """The rows of one script's ``--json`` file; anything that is not a list of rows yields none."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    rows = data if isinstance(data, list) else []
    return [row for row in (normalise(r, db) for r in rows) if row is not None]


def median_sample(samples: list[dict]) -> dict:
    """Several rounds of one row as one: the round with the median time (the lower one of an even count, so the
    figure shown is one that was measured)."""
    timed = [s for s in samples if s.get("ms") is not None]
    if not timed:
        return dict(samples[-1])
    middle = statistics.median_low(s["ms"] for s in timed)
    chosen = dict(next(s for s in timed if s["ms"] == middle))
    chosen["rounds"] = len(samples)
    return chosen


def prefer_alternating(alternating: list[list[dict]], once: list[list[dict]]) -> list[list[dict]]:
    """All runs' rows, less the single runs' rows of a figure the alternating rounds measured too (a script may
    report the side-by-side data as well: the alternating rounds are the fair comparison)."""
    measured = {(row["path"], row["db"]) for rows in alternating for row in rows}
    return alternating + [[row for row in rows if (row["path"], row["db"]) not in measured] for rows in once]


def merge_rounds(rounds: list[list[dict]]) -> list[dict]:
    """Rows of several runs, one per (path, db), in first-seen order, each the median of its samples."""
    samples: dict[tuple[str, str], list[dict]] = {}
    for rows in rounds:
        for row in rows:
            samples.setdefault((row["path"], row["db"]), []).append(row)
    return [median_sample(group) for group in samples.values()]


def ratio_of(ours_ms: float, public_ms: float, faster: bool) -> float:
    """How many times faster ours is (``faster``), or what ours costs as a multiple of the public app's."""
    if faster:
        return public_ms / ours_ms if ours_ms else float("inf")
    return ours_ms / public_ms if public_ms else float("inf")


def describe(ratio: float, faster: bool) -> str:
    """A ratio in words, as the table prints it."""
    return f"ours {ratio:.1f}x faster" if faster else f"ours {ratio:.2f}x its time"


def side_by_side(rows: list[dict], comparisons: tuple[Comparison, ...] = COMPARISONS) -> list[dict]:
    """Put each public-app figure beside our row on the same database, with the ratio of medians and whether the
    target holds. A public-app row with no row of ours to sit beside stays a row of its own."""
    public = {(row["path"], row["db"]): row for row in rows}
    used: set[tuple[str, str]] = set()
    out = []
    for row in rows:
        comparison = next((c for c in comparisons if c.ours == row["path"]), None)
        theirs = public.get((comparison.public, row["db"])) if comparison else None
        if theirs is None or theirs.get("ms") is None or row.get("ms") is None:
            out.append(row)
            continue
        used.add((theirs["path"], theirs["db"]))
        ratio = ratio_of(row["ms"], theirs["ms"], comparison.faster)
        ok = ratio >= comparison.target if comparison.faster else ratio <= comparison.target
        out.append({**row, "target": comparison.target_text, "ok": ok, "public_ms": theirs["ms"],
                    "public": f"{theirs['value']} ({describe(ratio, comparison.faster)})"})
    return [row for row in out if (row["path"], row["db"]) not in used]


def placeholder(path: str, db: str, reason: str, target: str | None = None) -> dict:
    """A row that could not be measured, saying why."""
    return {"path": path, "value": reason, "target": target, "ok": None, "public": None, "db": db, "ms": None}


def complete(rows: list[dict], reasons: dict[tuple[str, str], str], expected=EXPECTED) -> list[dict]:
    """The issue's rows first, in its order (a placeholder saying why where one is missing), then any other rows
    (each path's databases together), then one row per script that failed where none of its expected rows says
    so. ``reasons`` maps (script, db) to why that script has no rows there; expected rows of scripts or databases
    not in the run are left out."""
    have = {(row["path"], row["db"]): row for row in rows}
    out, placed, told = [], set(), set()
    for path, script, dbs, target in expected:
        for db in dbs:
            if (path, db) in have:
                out.append(have[(path, db)])
                placed.add((path, db))
            elif (script, db) in reasons:
                out.append(placeholder(path, db, reasons[(script, db)], target))
                told.add((script, db))
    untold = [placeholder(f"bench/{script}.py", db, why) for (script, db), why in reasons.items()
              if (script, db) not in told and not why.startswith("skipped")]
    extras = [row for row in rows if (row["path"], row["db"]) not in placed]
    first_seen = {path: i for i, path in reversed(list(enumerate(row["path"] for row in extras)))}
    return out + sorted(extras, key=lambda row: first_seen[row["path"]]) + untold


def ok_mark(ok: bool | None) -> str:
    return {True: "yes", False: "NO"}.get(ok, "-")


COLUMNS = ("path", "db", "ours", "target", "ok?", "public app (same run)")


def cells(row: dict) -> tuple[str, ...]:
    return (row["path"], DB_NAMES.get(row["db"], row["db"]), row["value"], row.get("target") or "-",
            ok_mark(row.get("ok")), row.get("public") or "-")


def format_table(rows: list[dict], markdown: bool = False) -> str:
    """One table of the rows: aligned plain text for a terminal, or Markdown for the docs."""
    body = [cells(row) for row in rows]
    if markdown:
        escape = [[c.replace("|", "\\|") for c in line] for line in [COLUMNS, *body]]
        lines = ["| " + " | ".join(line) + " |" for line in escape]
        return "\n".join([lines[0], "|" + "---|" * len(COLUMNS), *lines[1:]])
    widths = [max(len(line[i]) for line in [COLUMNS, *body]) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in [COLUMNS, *body]]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def selected(only: str | None, scripts: tuple[Script, ...] = SCRIPTS) -> tuple[Script, ...]:
    """The scripts ``--only`` names (comma-separated, with or without ``.py``), or all of them."""
    if not only:
        return scripts
    names = {name.strip().removesuffix(".py").removeprefix("bench/") for name in only.split(",") if name.strip()}
    unknown = names - {s.name for s in scripts}
    if unknown:
        raise SystemExit(f"unknown script(s) for --only: {', '.join(sorted(unknown))}")
    return tuple(s for s in scripts if s.name in names)


def reason_not_run(script: Script, db: str, *, quick: bool, postgres: str | None, redis: str | None) -> str | None:
    """Why ``script`` does not run on ``db`` this time, or None when it does."""
    if db == POSTGRES and postgres is None:
        return "skipped: needs PostgreSQL"
    if db == POSTGRES and script.needs_redis and redis is None:
        return "skipped: needs Redis"
    if quick and script.heavy and db == POSTGRES:
        return "skipped (--quick)"
    if not (ROOT / "bench" / f"{script.name}.py").exists():
        return f"missing: bench/{script.name}.py not found"
    return None


# ---------------------------------------------------------------------------------------------------------------
# Running the scripts
# ---------------------------------------------------------------------------------------------------------------

def default_postgres(env_url: str) -> str:
    """``DATABASE_URL`` when it is PostgreSQL (the scripts only make ``test_...`` databases beside it), else the
    local server's ``clinic``."""
    return env_url if env_url.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/clinic"


def postgres_reachable(url: str) -> bool:
    """Whether the server of ``url`` takes a connection (to its ``postgres`` database, as the scripts' test
    databases are made from there)."""
    try:
        import psycopg2
    except ImportError:
        return False
    parts = urlsplit(url)
    try:
        psycopg2.connect(urlunsplit(parts._replace(path="/postgres")), connect_timeout=3).close()
    except psycopg2.Error:
        return False
    return True


def redis_reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=3) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def script_args(script: Script, db: str, redis: str | None) -> list[str]:
    """What one run of ``script`` is told besides ``--json``: the Redis database it may empty is the report's."""
    if script.empties_redis_db and db == POSTGRES and redis:
        return ["--redis-db", (urlsplit(redis).path.strip("/") or "0")]
    return []


def script_env(db: str, postgres: str | None, redis: str | None) -> dict[str, str]:
    """The environment of one run: SQLite (no ``DATABASE_URL``) or PostgreSQL + Redis."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    if db == POSTGRES:
        env["DATABASE_URL"] = postgres or ""
        if redis:
            env["REDIS_URL"] = redis
    return env


def stop_group(process: subprocess.Popen) -> None:
    """Stop a script that overran and whatever it started (the load test's servers and workers run in its
    process group): SIGTERM, then SIGKILL if they are still there after 10 s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


def run_script(script: Script, db: str, args: list[str], env: dict[str, str], log_dir: Path,
               timeout: float) -> tuple[list[dict], str | None]:
    """Run one script with ``--json``; its rows, or none and why. Its printout goes to ``log_dir``."""
    out = log_dir / f"{script.name}-{db}.json"
    log = log_dir / f"{script.name}-{db}.log"
    out.unlink(missing_ok=True)
    started = clock.perf_counter()
    print(f"  bench/{script.name}.py on {DB_NAMES[db]} ...", end=" ", flush=True, file=sys.stderr)
    with log.open("a") as printout, subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / f"{script.name}.py"), "--json", str(out), *args], cwd=ROOT,
            env=env, stdout=printout, stderr=subprocess.STDOUT, start_new_session=True) as process:
        try:
            returncode = process.wait(timeout=timeout)
        except KeyboardInterrupt:  # the script runs in its own session: Ctrl-C reaches only this process
            stop_group(process)
            raise
        except subprocess.TimeoutExpired:
            stop_group(process)
            print("timed out", file=sys.stderr)
            return [], f"failed: no answer in {timeout:.0f} s (see {log.relative_to(ROOT)})"
    print(f"{clock.perf_counter() - started:.0f} s", file=sys.stderr)
    rows = parse_rows(out.read_text(), db) if out.exists() else []
    if returncode:
        return rows, f"failed: exit {returncode} (see {log.relative_to(ROOT)})"
    if not out.exists():
        return [], f"missing: bench/{script.name}.py wrote no --json rows"
    return rows, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="leave out the load test and PostgreSQL dispatch runs")
    parser.add_argument("--only", help="comma-separated scripts, e.g. booking,public_app")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the side-by-side scripts")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL the scripts make test databases beside")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13",
                        help="a Redis database the benchmarks may use and empty (never REDIS_URL's by default)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one script may take")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    parser.add_argument("--json", help="also write the table's rows to this file")
    args = parser.parse_args()

    postgres = args.postgres or default_postgres(os.environ.get("DATABASE_URL", ""))
    postgres = postgres if postgres_reachable(postgres) else None
    redis = args.redis if redis_reachable(args.redis) else None
    log_dir = ROOT / "var" / "bench" / "report"
    log_dir.mkdir(parents=True, exist_ok=True)
    scripts = selected(args.only)
    for script in scripts:  # a fresh printout per script this run, the others' kept
        for old in log_dir.glob(f"{script.name}-*.log"):
            old.unlink()
    reasons: dict[tuple[str, str], str] = {}
    alternating_rows: list[list[dict]] = []
    once_rows: list[list[dict]] = []
    started = clock.perf_counter()
    print(f"PostgreSQL: {'yes' if postgres else 'not reachable'}; Redis: {'yes' if redis else 'not reachable'}",
          file=sys.stderr)
    for db in (SQLITE, POSTGRES):
        runnable = []
        for script in (s for s in scripts if db in s.dbs):
            why = reason_not_run(script, db, quick=args.quick, postgres=postgres, redis=redis)
            if why:
                reasons[(script.name, db)] = why
            else:
                runnable.append(script)
        env = script_env(db, postgres, redis)
        alternating = [s for s in runnable if s.alternating and db == SQLITE]
        for _ in range(args.rounds if alternating else 0):
            for script in alternating:
                extra = ["--rounds", "1"] if script.name == "public_app" else []
                rows, why = run_script(script, db, extra, env, log_dir, args.timeout)
                alternating_rows.append(rows)
                if why:
                    reasons[(script.name, db)] = why
        for script in (s for s in runnable if s not in alternating):
            rows, why = run_script(script, db, script_args(script, db, redis), env, log_dir, args.timeout)
            once_rows.append(rows)
            if why:
                reasons[(script.name, db)] = why
    rows = complete(side_by_side(merge_rounds(prefer_alternating(alternating_rows, once_rows))), reasons)
    print(f"\nmake bench: {len(rows)} figures in {clock.perf_counter() - started:.0f} s "
          f"(side by side: {args.rounds} alternating rounds, medians; printouts in var/bench/report/)\n")
    print(format_table(rows, markdown=args.markdown))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
