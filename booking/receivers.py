from django.dispatch import receiver

from clinic.accounts.signals import email_verified


@receiver(email_verified)
def confirm_pending_bookings(sender, user, **kwargs) -> None:
    from .services import appointments_confirm_pending

    appointments_confirm_pending(client=user)
