"""Settings for the clinic project, driven entirely by environment variables.

With no variables set, the embedded default runs: SQLite under ``var/``, email written to the
in-app outbox, Celery on a filesystem broker (no Redis needed).  Production sets ``DATABASE_URL``,
``REDIS_URL``, ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS`` and ``DJANGO_DEBUG=0``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CLINIC_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


TESTING = "pytest" in sys.modules
DEBUG = envbool("DJANGO_DEBUG", "1")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-" + "x" * 20

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "clinic.accounts",
    "clinic.audit",
    "clinic.core",
    "clinic.notifications",
    "booking",
    "intake",
    "frontdesk",
    "charting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "clinic.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "clinic.core.middleware.ClinicTimezoneMiddleware",
    "clinic.core.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
    "clinic.core.middleware.StaffIdleTimeoutMiddleware",
    "clinic.core.middleware.StaffTwoFactorRequiredMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.core.context_processors.clinic",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'clinic.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the dev server and the Celery worker share the file; booking
    # writes are serialised with BEGIN IMMEDIATE (see booking.services).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # Behind PgBouncer in transaction pooling mode a server-side cursor (``QuerySet.iterator()``) may outlive the
    # transaction its server connection was lent for: DB_PGBOUNCER=1 turns them off (docs/performance.md).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = envbool("DB_PGBOUNCER", "0")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# With DEBUG off, SQLite (no exclusion constraints against double booking, no append-only audit trigger) and the
# filesystem broker are refused by ``check --deploy`` unless this says they were chosen on purpose (a one-room
# clinic on a single machine). See clinic.core.checks.
CLINIC_ALLOW_EMBEDDED = envbool("CLINIC_ALLOW_EMBEDDED", "0")

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "clinic.accounts.backends.EmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:landing"
LOGOUT_REDIRECT_URL = "core:home"
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 8)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy, set TRUSTED_PROXY_COUNT (how many proxies append to X-Forwarded-For) so that
# lock-outs, consent records and the audit log see the client's address, not the proxy's. One function reads
# it for all three (django-ipware is not installed, so axes' own AXES_IPWARE_* settings would do nothing).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "clinic.core.http.client_ip"
EMAIL_VERIFICATION_MAX_AGE = 60 * 60 * 24 * 3  # seconds
# One login identity per person: the lock-out counts TOM@DEMO.CLINIC and tom@demo.clinic as one account.
AXES_USERNAME_CALLABLE = "clinic.accounts.backends.login_identity"
# Throttles (clinic.core.throttle) on sign-up, password reset, confirmation emails and sign-in codes: per IP
# address and per account or email, counted in the cache (shared through Redis in production).
THROTTLE_IP_LIMIT = envint("THROTTLE_IP_LIMIT", 5)
THROTTLE_IP_WINDOW = envint("THROTTLE_IP_WINDOW_MINUTES", 15) * 60  # seconds
THROTTLE_ACCOUNT_LIMIT = envint("THROTTLE_ACCOUNT_LIMIT", 3)
THROTTLE_ACCOUNT_WINDOW = envint("THROTTLE_ACCOUNT_WINDOW_MINUTES", 60) * 60  # seconds
# Log-in POSTs per IP address: axes locks one account per address; this slows one address trying many accounts.
THROTTLE_LOGIN_IP_LIMIT = envint("THROTTLE_LOGIN_IP_LIMIT", 30)
# An account whose email is not confirmed may hold this many sessions (pending), each for at most this long.
UNVERIFIED_MAX_PENDING = envint("UNVERIFIED_MAX_PENDING", 1)
UNVERIFIED_HOLD_HOURS = envint("UNVERIFIED_HOLD_HOURS", 24)
# Staff (every role but client) are signed out after this many minutes without a request.
STAFF_IDLE_MINUTES = envint("STAFF_IDLE_MINUTES", 30)
# Two-factor sign-in (TOTP) is optional for staff; with this on, every staff account must set it up before
# anything else. A deployment setting rather than a clinic setting: whoever holds a manager's password must
# not be able to switch off the second factor that guards it.
STAFF_TWO_FACTOR_REQUIRED = envbool("STAFF_TWO_FACTOR_REQUIRED", "0")
TWO_FACTOR_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "Lotus Clinic")

# --- I18N / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"  # default; the clinic's own zone is a setting managers edit
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # quiets WhiteNoise before any collectstatic
# Public uploads: only practitioners' profile photos (booking.schedule), served by booking's photo view.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Before-and-after photos (charting.photos): never under MEDIA_URL or STATIC, served only by a permission-checked,
# audited view. The embedded default keeps them on the local disk; production may name any Django storage class,
# e.g. django-storages' S3 (PHOTO_STORAGE_BACKEND=storages.backends.s3.S3Storage, PHOTO_STORAGE_BUCKET=...): a
# private bucket, no public ACL, so a leaked object key opens nothing.
PHOTO_STORAGE_BACKEND = os.environ.get("PHOTO_STORAGE_BACKEND", "charting.photos.PrivatePhotoStorage")
PHOTO_ROOT = Path(os.environ.get("PHOTO_ROOT", VAR_DIR / "private-media"))
if PHOTO_STORAGE_BACKEND == "charting.photos.PrivatePhotoStorage":
    _photo_options: dict = {"location": str(PHOTO_ROOT), "file_permissions_mode": 0o600,
                            "directory_permissions_mode": 0o700}
else:
    _photo_options = {"bucket_name": os.environ.get("PHOTO_STORAGE_BUCKET", ""), "default_acl": "private",
                      "querystring_auth": True, "file_overwrite": False,
                      "location": os.environ.get("PHOTO_STORAGE_PREFIX", "photos")}
STORAGES["photos"] = {"BACKEND": PHOTO_STORAGE_BACKEND, "OPTIONS": _photo_options}
PHOTO_MAX_MB = envint("PHOTO_MAX_MB", 15)  # a larger upload is refused before it is opened

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ----------------------------------------------------------------------------------
# Embedded default (DEBUG): every email is stored in the in-app outbox, read by staff under /outbox/.
# Production (DEBUG=0) sends by SMTP unless EMAIL_BACKEND says otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "clinic.core.mail.OutboxEmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
# With no mail server (the in-app outbox), each signed-in person reads the emails and texts sent to them under
# "My emails", so a newcomer can click their own confirmation link. Never with a real mail backend.
OWN_INBOX = EMAIL_BACKEND == "clinic.core.mail.OutboxEmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "0")
# Bounds each step of an SMTP conversation: a sending worker renews its claims every 10 s between messages,
# and clinic.notifications presumes it dead after 60 s without (LEASE), so keep this well under 50 s.
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Lotus Facial Acupuncture <hello@clinic.example>")

# --- Text messages --------------------------------------------------------------------------
# The default writes texts to the in-app outbox (/outbox/), in production too until a provider is set:
# SMS_BACKEND=clinic.notifications.sms.TwilioSmsBackend with TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.
SMS_OUTBOX_BACKEND = "clinic.notifications.sms.OutboxSmsBackend"
SMS_BACKEND = os.environ.get("SMS_BACKEND", SMS_OUTBOX_BACKEND)
SMS_FROM = os.environ.get("SMS_FROM", "Lotus Clinic")
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # Embedded default: a filesystem broker, so `make run` processes background work without Redis.
    _broker_dir = VAR_DIR / "broker"
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"  # a hostname keeps kombu from warning on every start
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# Tests run tasks eagerly (in-process); the worker runs them everywhere else.
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", "1" if TESTING else "0")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"

# --- Cache: throttle counters and sessions --------------------------------------------------
# Shared through Redis when there is one, so every worker counts the same attempts; tests use local memory.
if REDIS_URL and not TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # Every request reads its session: from Redis, with the database behind it (a flushed cache loses no one's
    # sign-in). Only with a cache all processes share: a per-process one would keep a signed-out session alive.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
# Scripts only from our own static files: no inline <script>, no on...= handler, no eval (htmx runs with
# allowEval off). Styles allow 'unsafe-inline' (and nothing else does): about a hundred style="" attributes size
# the calendar and the charts, htmx adds its indicator <style>, and emails shown in the outbox carry inline
# styles; a style cannot run code, and scripts, forms, frames and objects stay locked to this site. The outbox
# shows an email's HTML in a sandboxed iframe with srcdoc, which inherits this policy (no frame-src needed).
CONTENT_SECURITY_POLICY = os.environ.get("CONTENT_SECURITY_POLICY", "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "frame-src 'self'", "frame-ancestors 'none'", "base-uri 'self'",
    "form-action 'self'", "object-src 'none'",
]))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Load balancers and orchestrators probe /healthz over plain HTTP, inside the proxy: redirected, they would
# see a 301 (which most count as healthy) instead of the 503 that says the database or broker is down.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", "1")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging: ids only, never personal or health data ------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- Clinic ---------------------------------------------------------------------------------
# Thresholds used by the intake pattern scoring (percent, 0-100).
INTAKE_PATTERN_PRESENT = envint("INTAKE_PATTERN_PRESENT", 40)
INTAKE_PATTERN_TENDENCY = envint("INTAKE_PATTERN_TENDENCY", 30)

# Email uniqueness is a case-insensitive unique index (accounts.User.Meta), which this check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
