from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"

    def ready(self):
        from tokens import actions  # noqa: F401  registers the delivery hooks
