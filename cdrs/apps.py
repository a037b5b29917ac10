from django.apps import AppConfig


class CdrsConfig(AppConfig):
    name = "cdrs"
    verbose_name = "CDRs"

    def ready(self):
        from cdrs import actions  # noqa: F401  registers the delivered hook
