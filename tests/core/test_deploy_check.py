"""Production settings from environment variables pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _production_env(tmp_path) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # set for Playwright
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 3,
        "DJANGO_ALLOWED_HOSTS": "clinic.example",
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite3"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CLINIC_VAR_DIR": str(tmp_path),
        "SITE_URL": "https://clinic.example",
        "SMS_BACKEND": "clinic.notifications.sms.TwilioSmsBackend",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "t0k3n",
        # Without DATABASE_URL (a SQLite run of the suite) the database is chosen on purpose, as a real
        # single-machine clinic would say; tests/core/test_deploy_check_embedded.py covers the refusal.
        **({} if os.environ.get("DATABASE_URL") else {"CLINIC_ALLOW_EMBEDDED": "1"}),
    }


def test_check_deploy_passes_with_production_environment(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_production_env(tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_sends_real_email_not_to_the_in_app_outbox(tmp_path):
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND, settings.CELERY_BROKER_URL)"
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                            env=_production_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    backend, broker = result.stdout.split()[-2:]
    assert backend == "django.core.mail.backends.smtp.EmailBackend"
    assert broker.startswith("redis://")


def test_production_reads_sessions_through_the_shared_cache(tmp_path):
    code = "from django.conf import settings; print(settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND'])"
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                            env=_production_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["django.contrib.sessions.backends.cached_db",
                                          "django.core.cache.backends.redis.RedisCache"]


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "", "CLINIC_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_check_deploy_fails_when_email_links_would_point_at_localhost(tmp_path):
    env = {**_production_env(tmp_path), "SITE_URL": "http://127.0.0.1:8000"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "clinic.W001" in result.stdout + result.stderr
