import logging

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = "Hub messages"

    def ready(self):
        from hub import schema  # noqa: F401  registers the OpenAPI token scheme

        if settings.LOG_FORMAT == "json":
            logging.captureWarnings(True)  # Python warnings as JSON lines too


def refuse_default_secret_key() -> None:
    """Stop a web or worker process started with DEBUG off on the public default SECRET_KEY
    (management commands such as migrate still run)."""
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEFAULT_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: with DEBUG off the hub does not start on the default key, "
            "which is public and would let anyone forge admin sessions. Set SECRET_KEY to a "
            "long random value."
        )
