"""The Celery app: workers deliver the hub's outbox to receiving parties."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

app = Celery("hub", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_embedded_broker_folders(sender, **kwargs):
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if key in options:
            os.makedirs(options[key], exist_ok=True)


@worker_init.connect
def _refuse_default_secret_key(**kwargs):
    from django.core.exceptions import ImproperlyConfigured

    from hub.apps import refuse_default_secret_key

    try:
        refuse_default_secret_key()
    except ImproperlyConfigured as error:
        raise SystemExit(str(error)) from None  # Celery only logs a signal handler's Exception


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(**kwargs):
    """As Django does around each request: drop connections that are unusable or older than
    CONN_MAX_AGE; the others serve the next task."""
    from django.db import close_old_connections

    close_old_connections()
