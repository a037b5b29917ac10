from django.apps import AppConfig


class TariffsConfig(AppConfig):
    name = "tariffs"

    def ready(self):
        from tariffs import actions  # noqa: F401  registers the full-object provider
