from django.dispatch import Signal

# Sent with ``appointment_id`` after a cancellation commits: the time is free again (waitlist).
slot_freed = Signal()
