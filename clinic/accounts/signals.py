from django.dispatch import Signal

# Sent with ``user`` once a client confirms their email address; booking confirms pending visits.
email_verified = Signal()

# Sent with ``user`` when a manager creates a staff account (booking adds a practitioner's profile).
staff_account_created = Signal()

# Sent with ``user`` when a client changes how they want to be reminded (channels, phone), inside the
# transaction that saves it: booking re-plans the reminders of their upcoming sessions.
reminder_preferences_changed = Signal()
