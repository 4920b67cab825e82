"""`make run` stops its background worker with the server, however it is stopped.

The real recipe runs with stand-ins for celery and the dev server (scripts that record their pid and
sleep), so these tests take a second and need neither a venv nor a free port.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not shutil.which("make") or not Path("/proc/self/stat").exists(),
                                reason="needs make and Linux /proc")

STAND_IN = """#!/bin/sh
case "$*" in
  *migrate*|*seed_demo*) exit 0 ;;
esac
echo "$SITE_URL" > "{dir}/{name}.site_url"
echo $$ > "{dir}/{name}.pid"
exec sleep 300
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _wait_for(predicate, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _reset_signals() -> None:
    # As from a terminal: a shell started by a test runner may inherit SIGINT ignored, and sh cannot trap
    # a signal that was ignored when it started.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


@pytest.fixture
def make_run(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for script, name in (("python", "web"), ("celery", "worker")):
        path = bin_dir / script
        path.write_text(STAND_IN.format(dir=tmp_path, name=name))
        path.chmod(0o755)
    stamp = tmp_path / "installed"
    stamp.touch()  # newer than requirements.txt: the install step is skipped
    started: list[subprocess.Popen] = []

    def _start(port: str = "0") -> tuple[subprocess.Popen, int, int]:
        env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
        proc = subprocess.Popen(
            ["make", "-s", "run", f"VENV={tmp_path / 'venv'}", f"BIN={bin_dir}", f"STAMP={stamp}", f"PORT={port}"],
            cwd=ROOT, env={**env, "CLINIC_VAR_DIR": str(tmp_path / "var")},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True, preexec_fn=_reset_signals,
        )
        started.append(proc)
        pids = [tmp_path / "web.pid", tmp_path / "worker.pid"]
        assert _wait_for(lambda: all(p.exists() and p.read_text().strip() for p in pids)), "make run did not start"
        time.sleep(0.2)  # let the recipe reach its wait
        return proc, int(pids[0].read_text()), int(pids[1].read_text())

    _start.dir = tmp_path
    yield _start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=15)


def test_killing_make_stops_the_worker_and_the_server(make_run):
    make, web, worker = make_run()
    make.send_signal(signal.SIGTERM)
    assert _wait_for(lambda: make.poll() is not None), "make kept running after SIGTERM"
    assert not _alive(worker), "the Celery worker was left running"
    assert not _alive(web), "the dev server was left running"


def test_ctrl_c_stops_everything_cleanly(make_run):
    make, web, worker = make_run()
    os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    assert _wait_for(lambda: make.poll() is not None), "make kept running after Ctrl-C"
    output = make.communicate(timeout=15)[0]
    assert not _alive(worker) and not _alive(web)
    assert "Segmentation fault" not in output, output  # the stop trap must not re-enter itself


def test_the_worker_stops_when_the_server_exits(make_run):
    make, web, worker = make_run()
    os.kill(web, signal.SIGTERM)
    assert _wait_for(lambda: make.poll() is not None)
    assert not _alive(worker), "the Celery worker outlived the server"


def test_links_in_emails_follow_the_port_it_serves_on(make_run):
    make, _web, _worker = make_run(port="8102")
    for name in ("web", "worker"):  # the worker renders the emails, the server the pages
        assert (make_run.dir / f"{name}.site_url").read_text().strip() == "http://127.0.0.1:8102"
