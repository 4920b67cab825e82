from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "Booking"

    def ready(self) -> None:
        from . import notifications, receivers  # noqa: F401  (receivers; message builders)
