from django.dispatch import Signal

# Sent with ``user`` once a client confirms their email address; booking confirms pending visits.
email_verified = Signal()
