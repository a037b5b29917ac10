"""A Celery worker keeps its database connection from one task to the next."""

import threading
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import connection, connections

from hub.celery import app


@pytest.fixture
def worker_signals():
    """The handlers a worker connects at start (Celery's Django fixup, then the hub's)."""
    fixup = DjangoWorkerFixup(app).install()
    yield
    task_prerun.disconnect(fixup.on_task_prerun)
    task_postrun.disconnect(fixup.on_task_postrun)


class Task:
    request = SimpleNamespace(is_eager=False)


def run_task():
    task = Task()
    task_prerun.send(sender=task, task_id="t", task=task)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    task_postrun.send(sender=task, task_id="t", task=task)
    return backend


@pytest.mark.django_db(transaction=True)
def test_tasks_share_one_database_connection(worker_signals):
    # Opening a PostgreSQL connection per task (a server process each) cost more than a delivery.
    assert len({run_task() for _ in range(5)}) == 1


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_at_the_next_task(worker_signals):
    first = run_task()

    def terminate():  # the server ends the session (a restart, a failover), from elsewhere
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [first])
        finally:
            connections["default"].close()

    thread = threading.Thread(target=terminate)
    thread.start()
    thread.join(10)
    assert run_task() != first
