"""``manage.py audit_verify``: check that no audit event was changed, deleted or inserted outside the app."""

from django.core.management.base import BaseCommand, CommandError

from clinic.audit.services import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (SQLite) and name the first event that does not fit."

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(report.summary)  # exit status 1, for cron or monitoring
        self.stdout.write(report.summary)
