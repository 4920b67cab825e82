"""Intake states for badge tests, written directly (what the intake app would have stored).

The answers and flag reasons carry a marker that must never show on a front-desk page.
"""

from __future__ import annotations

from django.utils import timezone

from intake import definitions
from intake.models import FlagLevel, IntakeFlag, IntakeSubmission, SubmissionStatus

SECRET = "SECRET-CLINICAL-ANSWER"


def draft(client) -> IntakeSubmission:
    return IntakeSubmission.objects.create(client=client, version=definitions.questionnaire_current(),
                                           answers={"notes": SECRET})


def submitted(client, *, review_flag: bool = False, reviewed: bool = False) -> IntakeSubmission:
    now = timezone.now()
    submission = IntakeSubmission.objects.create(
        client=client, version=definitions.questionnaire_current(), status=SubmissionStatus.SUBMITTED,
        is_current=True, submitted_at=now, reviewed_at=now if reviewed else None, answers={"notes": SECRET})
    if review_flag:
        IntakeFlag.objects.create(submission=submission, code="anticoagulants", level=FlagLevel.REVIEW,
                                  reason=f"Takes blood thinners {SECRET}")
    return submission
