from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.db.models import Case, Value, When
from django.db.models.functions import Left
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from clinic.accounts.permissions import Cap, require
from clinic.audit.services import audit_chain_verify, audit_record

from .forms import ClinicSettingsForm
from .models import ClinicSettings, OutboxEmail


def home(request):
    from booking.models import Service

    services = Service.objects.filter(is_active=True, bookable_online=True).order_by("duration_minutes")
    return render(request, "core/home.html", {"services": services})


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - health checks report, never raise
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}


def _check_broker() -> dict | None:
    if not settings.REDIS_URL:
        return None  # embedded default: filesystem broker, nothing to ping
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        return {"ok": True, "url_scheme": "redis"}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "url_scheme": "redis", "error": exc.__class__.__name__}


def _check_messages() -> dict:
    """Messages due for a while and still waiting mean no beat or no worker is running; claims past their lease
    that nobody recovered mean the same, or workers that keep dying mid-send: reminders would silently never go.
    (Failed sends are retried with a later due time, so they do not count here.)"""
    from clinic.notifications.services import LEASE, OVERDUE_AFTER, messages_health

    health = messages_health()
    reasons = []
    if health["overdue"]:
        reasons.append(f"{health['overdue']} messages are still waiting more than {OVERDUE_AFTER.seconds // 60} "
                       f"minutes after they were due: is the beat (or any worker) running?")
    if health["stalled"]:
        reasons.append(f"{health['stalled']} messages are claimed by a worker that has not been heard from in "
                       f"over {LEASE.seconds} seconds, and nobody has taken them over: is the beat running?")
    return {"ok": not reasons, **health} | ({"reason": " ".join(reasons)} if reasons else {})


def favicon(request):
    # Resolved per request: with the manifest storage the hashed name exists only after collectstatic.
    return redirect(static("favicon.svg"), permanent=True)


@never_cache
def healthz(request):
    checks = {"database": _check_database()}
    broker = _check_broker()
    if broker is not None:
        checks["broker"] = broker
    if checks["database"]["ok"]:
        checks["messages"] = _check_messages()
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


@require(Cap.MANAGE_CLINIC)
def manage(request):
    from booking.models import Location, Practitioner, Service

    return render(request, "core/manage.html", {
        "locations": Location.objects.prefetch_related("rooms"),
        "services": Service.objects.all(),
        "practitioners": Practitioner.objects.select_related("user"),
        "audit_chain": audit_chain_verify(),  # one query over the log: a manager's page, opened now and then
    })


def _message_timing(clinic: ClinicSettings) -> tuple:
    """The settings that decide when planned messages are due ("48,2" and "48, 2" are the same)."""
    return (clinic.reminder_offsets, clinic.intake_nudge_hours_before, clinic.aftercare_delay_minutes,
            clinic.course_checkin_hours_before)


@require(Cap.MANAGE_CLINIC)
def clinic_settings_edit(request):
    timing_before = _message_timing(request.clinic)  # read now: validating the form writes to the instance
    form = ClinicSettingsForm(request.POST or None, instance=request.clinic)
    if request.method == "POST" and form.is_valid():
        changed = [str(form.fields[name].label) for name in form.changed_data]
        replan = False
        with transaction.atomic():
            replan = _message_timing(form.instance) != timing_before
            # The form saves the whole row: carry over a re-plan still pending (read under the lock, as the beat
            # may have just finished it) rather than the value read when the page was requested.
            form.instance.messages_replan_requested_at = (
                ClinicSettings.objects.select_for_update().filter(pk=form.instance.pk)
                .values_list("messages_replan_requested_at", flat=True).first())
            form.save()
            # Policies change what clients may do: keep who changed them and when (ids and verbs only).
            audit_record(actor=request.user, action="clinic.settings_change", obj=form.instance, request=request)
            if replan:
                # Every upcoming session's reminders, nudge, check-in and aftercare move to the new times:
                # possibly many clients, so a worker does it once the new settings are committed (and the beat,
                # should that request be lost to a broker outage).
                from booking.notifications import messages_replan_request

                messages_replan_request()
        if changed:
            messages.success(request, f"Clinic settings saved. Changed: {', '.join(changed)}.")
        else:
            messages.info(request, "Nothing was changed.")
        if replan:
            messages.info(request, "Reminders and other messages planned for upcoming sessions are being moved "
                                   "to the new times.")
        return redirect("core:settings")
    return render(request, "core/settings_form.html", {"form": form})


@require(Cap.READ_OUTBOX)
def outbox(request):
    # A text message has no subject: its first words stand in (bodies of emails are not loaded).
    preview = Case(When(channel="sms", sensitive=False, then=Left("body", 61)), default=Value(""))
    emails = (OutboxEmail.objects.only("id", "created_at", "channel", "to", "subject", "sensitive")
              .annotate(preview=preview)[:200])
    return render(request, "core/outbox.html", {"emails": emails})


@require(Cap.READ_OUTBOX)
def outbox_detail(request, pk: int):
    email = get_object_or_404(OutboxEmail, pk=pk)
    # A sign-in link (verification, password reset, staff invite) would let whoever reads it take over the
    # account, a manager included (a practitioner's reset link opens her clients' clinical answers): staff see
    # who it went to and when; only the recipient reads it, under "My emails".
    return render(request, "core/outbox_detail.html", {"email": email, "redacted": email.sensitive})


def _own_messages(user):
    """What the outbox holds for this person: emails to their address, texts to their phone."""
    if not settings.OWN_INBOX:
        raise Http404("Emails are sent by a mail server: read them in your own mailbox.")
    found = OutboxEmail.objects.filter(channel="email", to__icontains=user.email)
    if user.phone:
        found = found | OutboxEmail.objects.filter(channel="sms", to=user.phone)
    return found


def _is_recipient(email: OutboxEmail, user) -> bool:
    # ``to`` is a comma-separated list: "tom@x" must not match "atom@x".
    recipients = {address.strip().lower() for address in email.to.split(",")}
    return user.email.lower() in recipients or (email.channel == "sms" and email.to == user.phone)


@login_required
def my_inbox(request):
    emails = [e for e in _own_messages(request.user).only("id", "created_at", "channel", "to", "subject")[:200]
              if _is_recipient(e, request.user)]
    return render(request, "core/my_inbox.html", {"emails": emails})


@login_required
def my_inbox_detail(request, pk: int):
    email = get_object_or_404(_own_messages(request.user), pk=pk)
    if not _is_recipient(email, request.user):
        raise Http404
    return render(request, "core/outbox_detail.html", {"email": email, "redacted": False, "own": True})
