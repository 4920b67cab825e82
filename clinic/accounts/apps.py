from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clinic.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from clinic.core.middleware import StaffIdleTimeoutMiddleware

        from . import emails  # noqa: F401  (registers the sign-in message builders with clinic.notifications)
        from .roles import sync_managers_group

        post_migrate.connect(sync_managers_group, dispatch_uid="accounts.sync_managers_group")
        user_logged_in.connect(StaffIdleTimeoutMiddleware.start_clock, dispatch_uid="accounts.idle_clock")
