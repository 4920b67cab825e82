"""The Celery app. Tasks are autodiscovered from each installed app's ``tasks.py``.

Periodic work is declared in ``app.conf.beat_schedule`` below; ``make run`` starts the worker with
an embedded beat (``worker -B``), production runs ``celery -A clinic beat`` once (see the README).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Hands due messages (reminders, retries, anything whose on-commit send was lost) to workers and
    # recovers claims of killed workers: see clinic.notifications.services for why this polls instead of
    # scheduling ETA tasks. Every 30 s, so a claim past its 60-s lease is recovered within 90 s; a backlog
    # does not wait for it (each finished batch hands out the next). Each run is safe alongside another;
    # ``expires`` drops runs queued while no worker was up, since the next run does the same work.
    "notifications-dispatch": {
        "task": "clinic.notifications.tasks.dispatch_messages",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    "booking-release-unconfirmed": {"task": "booking.tasks.release_unconfirmed_bookings", "schedule": 900.0},
    # Lapses waitlist offers past their time and offers those openings to the next in line (idempotent).
    "frontdesk-expire-waitlist-offers": {
        "task": "frontdesk.tasks.expire_waitlist_offers",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Deletes erased clients' clinical records once the clinic's retention period has passed (idempotent).
    "accounts-purge-erased-clients": {
        "task": "clinic.accounts.tasks.purge_erased_clients",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
    # Deletes photos hidden by a consent withdrawal or an erasure if deleting them at once failed (idempotent).
    "charting-purge-hidden-photos": {
        "task": "charting.tasks.purge_hidden_photos",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
}
