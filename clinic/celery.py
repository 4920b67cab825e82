"""The Celery app. Tasks are autodiscovered from each installed app's ``tasks.py``.

Periodic work is declared by each app as a ``BEAT_SCHEDULE`` dict in its ``tasks.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "booking-send-due-reminders": {"task": "booking.tasks.send_due_reminders", "schedule": 60.0},
}
