"""Production (DJANGO_DEBUG=0) refuses, in ``check --deploy``, to run on the embedded default by accident."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNSET = ("DATABASE_URL", "REDIS_URL", "SMS_BACKEND", "CLINIC_ALLOW_EMBEDDED", "DJANGO_ALLOW_ASYNC_UNSAFE")


def _env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    return {**env, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 3,
            "DJANGO_ALLOWED_HOSTS": "clinic.example", "CLINIC_VAR_DIR": str(tmp_path),
            "SITE_URL": "https://clinic.example", **extra}


def _check_deploy(env: dict, level: str = "ERROR") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", level], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_missing_database_and_broker_urls_fail_the_deploy_check(tmp_path):
    result = _check_deploy(_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "clinic.E001" in output and "SQLite" in output
    assert "clinic.E002" in output and "REDIS_URL is not set" in output


def test_a_missing_broker_alone_fails_the_deploy_check(tmp_path):
    result = _check_deploy(_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
                                CLINIC_ALLOW_EMBEDDED="0", REDIS_URL=""))
    assert result.returncode != 0
    assert "clinic.E001" in result.stdout + result.stderr  # SQLite named in DATABASE_URL is still SQLite
    assert "clinic.E002" in result.stdout + result.stderr


def test_the_embedded_setup_passes_when_explicitly_allowed(tmp_path):
    result = _check_deploy(_env(tmp_path, CLINIC_ALLOW_EMBEDDED="1"))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "clinic.E00" not in output


def test_texts_kept_in_the_outbox_are_a_warning_in_production(tmp_path):
    result = _check_deploy(_env(tmp_path, CLINIC_ALLOW_EMBEDDED="1"), level="WARNING")
    assert result.returncode != 0
    assert "clinic.W003" in result.stdout + result.stderr


def test_checks_say_nothing_in_development(settings):
    from clinic.core import checks

    settings.DEBUG, settings.CLINIC_ALLOW_EMBEDDED, settings.REDIS_URL = True, False, ""
    assert checks.production_is_not_embedded(None) == []
    assert checks.text_messages_have_a_provider(None) == []
    settings.DEBUG = False
    assert {e.id for e in checks.production_is_not_embedded(None)} >= {"clinic.E002"}
    assert [w.id for w in checks.text_messages_have_a_provider(None)] == ["clinic.W003"]
