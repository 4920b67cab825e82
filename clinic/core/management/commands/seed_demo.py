"""Create (or refresh) the demo clinic. Safe to run any number of times."""

from django.core.management.base import BaseCommand
from django.db import transaction

from clinic.core import demo


class Command(BaseCommand):
    help = "Create the demo clinic: practitioners, rooms, services, hours, clients with history, demo logins."

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = demo.seed()
        self.stdout.write(self.style.SUCCESS(
            f"Demo clinic ready. Demo logins (password for all: {demo.DEMO_PASSWORD}):"))
        for role, email in logins:
            self.stdout.write(f"  {role:<14} {email}")
