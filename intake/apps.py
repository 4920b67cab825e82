from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        from booking import screening

        from . import gate, notifications  # noqa: F401  (registers the message builders)

        # Booking enforces the gate without importing the intake (see booking.screening).
        screening.register(verdict=gate.screening_verdict, verdicts=gate.screening_verdicts)
