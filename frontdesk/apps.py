from django.apps import AppConfig


class FrontdeskConfig(AppConfig):
    name = "frontdesk"
    verbose_name = "Front desk"

    def ready(self) -> None:
        from booking.signals import slot_freed

        from . import notifications  # noqa: F401  (registers the waitlist message builders)
        from .receivers import on_slot_freed

        slot_freed.connect(on_slot_freed, dispatch_uid="frontdesk.waitlist.slot_freed")
