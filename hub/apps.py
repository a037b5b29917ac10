from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = "Hub messages"

    def ready(self):
        from hub import schema  # noqa: F401  registers the OpenAPI token scheme
