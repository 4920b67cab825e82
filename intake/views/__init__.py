from .client import (
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
from .practitioner import (
    assessment_save,
    client_reassess,
    client_record,
    flag_clear,
    intake_request,
    intake_review,
    intake_settings,
    mark_reviewed,
    practitioner_day,
    review_queue,
    submission_export,
    treatment_note,
)
from .progress import client_progress, my_progress

__all__ = [
    "assessment_save", "client_progress", "client_reassess", "client_record", "flag_clear", "intake_autosave",
    "intake_check", "intake_consent", "intake_continue", "intake_link", "intake_request", "intake_review",
    "intake_settings", "intake_start", "intake_step", "mark_reviewed", "my_intake", "my_progress", "my_reassess",
    "practitioner_day", "review_queue", "submission_detail", "submission_export", "treatment_note",
]
