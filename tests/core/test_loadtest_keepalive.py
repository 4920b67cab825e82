"""The load test's clients reuse kept-alive connections as browsers do, also when the server closed an idle one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import loadtest


class _KeepAlive(BaseHTTPRequestHandler):
    """Answers every request on a kept-alive connection and closes it once idle for 0.2 s (as gthread does)."""

    protocol_version = "HTTP/1.1"
    timeout = 0.2

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KeepAlive)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _browser(port: int) -> loadtest.Browser:
    return loadtest.Browser(port, "session", loadtest.Stats(), deadline=loadtest.clock.monotonic() + 60)


def test_a_connection_the_server_closed_while_idle_is_opened_again(port, monkeypatch):
    monkeypatch.setattr(loadtest, "STALE_AFTER", 0.1)
    browser = _browser(port)
    assert browser.request("times", "GET", "/")[0] == 200
    loadtest.clock.sleep(0.5)  # the server closes the idle connection meanwhile

    assert browser.request("times", "GET", "/")[0] == 200
    assert browser.stats.failures == 0 and browser.stats.outcomes["reconnected"] == 1
    browser.close()


def test_a_connection_that_breaks_without_a_pause_is_an_error(port, monkeypatch):
    monkeypatch.setattr(loadtest, "STALE_AFTER", 60)  # never idle long enough to be taken as stale
    browser = _browser(port)
    browser.request("times", "GET", "/")
    loadtest.clock.sleep(0.5)

    with pytest.raises(loadtest.Failed):
        browser.request("times", "GET", "/")
    assert browser.stats.outcomes["connection"] == 1
    browser.close()
