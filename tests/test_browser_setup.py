"""What a missing Chromium means for the browser tests: a skip on a laptop, a failure in CI."""

from tests.browser.chromium import missing_chromium


def test_it_runs_the_browser_tests_when_chromium_is_there(tmp_path):
    chromium = tmp_path / "chromium"
    chromium.touch()
    assert missing_chromium(environ={"CI": "1"}, path=str(chromium)) is None
    assert missing_chromium(environ={}, path=str(chromium)) is None


def test_it_fails_under_ci_when_chromium_is_missing(tmp_path):
    for ci in ("1", "true", "TRUE"):
        verdict, reason = missing_chromium(environ={"CI": ci}, path=str(tmp_path / "nope"))
        assert verdict == "fail"
        assert "Chromium not found" in reason and "CI" in reason


def test_it_skips_outside_ci_when_chromium_is_missing(tmp_path):
    for environ in ({}, {"CI": ""}, {"CI": "0"}, {"CI": "false"}):
        verdict, reason = missing_chromium(environ=environ, path=str(tmp_path / "nope"))
        assert verdict == "skip"
        assert "apt-get install chromium" in reason
