"""The demo clinic used by ``make run`` (``manage.py seed_demo``). Idempotent: looks up by natural keys.

Each app adds its own part through a ``demo.seed(...)`` function, called from here in order.
"""

from __future__ import annotations

import importlib

from django.db import transaction

from clinic.accounts.models import Role, User
from clinic.accounts.roles import grant_manager_rights

DEMO_PASSWORD = "demo-clinic-2026"

STAFF = [
    ("manager@demo.clinic", "Mei", "Lin", Role.MANAGER),
    ("desk@demo.clinic", "Sam", "Okafor", Role.FRONT_DESK),
    ("ana@demo.clinic", "Ana", "Torres", Role.PRACTITIONER),
    ("li@demo.clinic", "Li", "Wei", Role.PRACTITIONER),
    ("grace@demo.clinic", "Grace", "Hughes", Role.PRACTITIONER),
]
CLIENTS = [
    ("client@demo.clinic", "Chloe", "Martin", "07700 900101"),
    ("oliver@demo.clinic", "Oliver", "Brown", "07700 900102"),
    ("priya@demo.clinic", "Priya", "Shah", "07700 900103"),
    ("emma@demo.clinic", "Emma", "Wilson", "07700 900104"),
    ("hannah@demo.clinic", "Hannah", "Lee", "07700 900105"),
    ("tom@demo.clinic", "Tom", "Reid", "07700 900106"),
]

# Apps that add demo data, in dependency order. Each has demo.seed(users: dict[str, User]).
APP_SEEDERS = ["booking.demo", "intake.demo", "charting.demo", "frontdesk.demo"]


def _user(email: str, first: str, last: str, role: str, phone: str = "") -> User:
    from datetime import date

    from django.utils import timezone

    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, first_name=first, last_name=last,
                                        role=role, phone=phone, date_of_birth=date(1985, 5, 17),
                                        sms_reminders=email == "client@demo.clinic")  # texts show in the outbox
    user.email_verified_at = user.email_verified_at or timezone.now()
    user.save(update_fields=["email_verified_at"])
    if role == Role.MANAGER:
        grant_manager_rights(user)
    return user


def seed() -> list[tuple[str, str]]:
    """All or nothing: a failure anywhere leaves the database as it was."""
    with transaction.atomic():
        return _seed()


def _seed() -> list[tuple[str, str]]:
    users = {email: _user(email, first, last, role) for email, first, last, role in STAFF}
    users.update({email: _user(email, first, last, Role.CLIENT, phone) for email, first, last, phone in CLIENTS})
    for module_name in APP_SEEDERS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        module.seed(users)
    # Reminders, nudges, check-ins and aftercare for the upcoming demo sessions (idempotent).
    from booking.notifications import messages_replan_all

    messages_replan_all()
    return [("manager", "manager@demo.clinic"), ("front desk", "desk@demo.clinic"),
            ("practitioner", "ana@demo.clinic"), ("client", "client@demo.clinic")]
