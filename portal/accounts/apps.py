from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from .roles import sync_roles_after_migrate

        # Permissions exist only after migrate has run, so roles are synced at that point, as Django does for them.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
