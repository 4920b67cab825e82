from django.dispatch import receiver

from clinic.accounts.signals import email_verified, reminder_preferences_changed, staff_account_created


@receiver(email_verified)
def confirm_pending_bookings(sender, user, **kwargs) -> None:
    from .services import appointments_confirm_pending

    appointments_confirm_pending(client=user)


@receiver(staff_account_created)
def create_practitioner_profile(sender, user, **kwargs) -> None:
    """A new practitioner gets a profile at once; the manager then adds hours (no hours: not bookable)."""
    from .models import Location, Practitioner, Service

    if not user.is_practitioner:
        return
    practitioner, created = Practitioner.objects.get_or_create(user=user)
    if created:
        practitioner.services.set(Service.objects.filter(is_active=True))
        practitioner.locations.set(Location.objects.filter(is_active=True))


@receiver(reminder_preferences_changed)
def replan_reminders(sender, user, **kwargs) -> None:
    from .notifications import client_messages_plan

    client_messages_plan(client=user)
