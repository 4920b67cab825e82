"""Small helpers shared by every test folder."""

from clinic.audit.chain import chain_enabled

# On SQLite each audit row is chained to the one before it (clinic/audit/chain.py): a savepoint, a read of the
# previous hash and the savepoint's release. PostgreSQL keeps the log append-only with a trigger instead.
AUDIT_CHAIN_QUERIES = 3 if chain_enabled() else 0


def submit_blank_intake(client) -> None:
    """Give ``client`` a submitted, current intake with no answers: a returning client whom no questionnaire request
    or nudge is for and whom the screening gate has nothing to say about (``tests.intake.helpers.submit_intake``
    submits real answers)."""
    from django.utils import timezone

    from intake.definitions import questionnaire_current
    from intake.models import IntakeSubmission, SubmissionStatus

    IntakeSubmission.objects.create(client=client, version=questionnaire_current(), status=SubmissionStatus.SUBMITTED,
                                    is_current=True, submitted_at=timezone.now())
