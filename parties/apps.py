from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "parties"

    def ready(self):
        from parties import client_info  # noqa: F401  registers the full-object provider
