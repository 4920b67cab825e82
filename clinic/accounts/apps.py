from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clinic.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import sync_managers_group

        post_migrate.connect(sync_managers_group, dispatch_uid="accounts.sync_managers_group")
