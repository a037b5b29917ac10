import os

from django.core.asgi import get_asgi_application

from hub.apps import refuse_default_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
application = get_asgi_application()
refuse_default_secret_key()
