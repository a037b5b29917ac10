import os

from django.core.wsgi import get_wsgi_application

from hub.apps import refuse_default_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
application = get_wsgi_application()
refuse_default_secret_key()
