from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "clinic.core"
    label = "core"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deploy checks)
