"""Front-desk pages. Every view states its capability (``@require``), except the waitlist offer
page, which is reached from an email: its signed link is the credential (like email verification)."""

from .appointments import appointment_cancel, appointment_detail, appointment_move, appointment_status, book
from .calendar import calendar, day_sheet
from .clients import client_create, client_detail, client_intake_reminder, clients
from .conflicts import clinical_conflicts
from .healthcheck import appointment_health_check
from .waitlist import waitlist, waitlist_add, waitlist_join, waitlist_leave, waitlist_offer, waitlist_remove

__all__ = [
    "appointment_cancel", "appointment_detail", "appointment_health_check", "appointment_move",
    "appointment_status", "book", "calendar",
    "client_create", "client_detail", "clinical_conflicts", "client_intake_reminder", "clients", "day_sheet",
    "waitlist",
    "waitlist_add", "waitlist_join", "waitlist_leave", "waitlist_offer", "waitlist_remove",
]
