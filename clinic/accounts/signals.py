from django.dispatch import Signal

# Sent with ``user`` once a client confirms their email address; booking confirms pending visits.
email_verified = Signal()

# Sent with ``user`` when a manager creates a staff account (booking adds a practitioner's profile).
staff_account_created = Signal()
