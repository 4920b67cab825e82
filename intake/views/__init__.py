from .aftercare import aftercare_preview
from .client import (
    consent_withdraw,
    intake_autosave,
    intake_check,
    intake_consent,
    intake_continue,
    intake_link,
    intake_start,
    intake_step,
    my_intake,
    my_reassess,
    submission_detail,
)
from .healthcheck import health_check, health_check_answers, health_check_review
from .practitioner import (
    assessment_save,
    break_glass,
    client_reassess,
    client_record,
    client_record_export,
    flag_clear,
    intake_request,
    intake_review,
    intake_settings,
    mark_reviewed,
    practitioner_day,
    practitioner_set_status,
    review_queue,
    submission_export,
    treatment_note,
)
from .progress import client_progress, my_progress
from .screening import screening_override

__all__ = [
    "aftercare_preview", "assessment_save", "break_glass", "client_progress", "client_reassess", "client_record",
    "client_record_export", "consent_withdraw", "flag_clear", "health_check", "health_check_answers",
    "health_check_review",
    "intake_autosave", "intake_check", "intake_consent", "intake_continue", "intake_link", "intake_request",
    "intake_review", "intake_settings", "intake_start", "intake_step", "mark_reviewed", "my_intake", "my_progress",
    "my_reassess", "practitioner_day", "practitioner_set_status", "review_queue", "screening_override",
    "submission_detail", "submission_export", "treatment_note",
]
