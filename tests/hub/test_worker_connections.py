"""A Celery worker (and a web process) keeps its database connection from one task (request)
to the next, and replaces one the server ended."""

import threading
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections, connection, connections

from hub.celery import app

# PostgreSQL sessions (server processes, pg_terminate_backend); the embedded SQLite default
# opens a connection per request and task.
pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL sessions")


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
    end_session(first)
    assert run_task() != first


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def end_session(pid: int) -> None:
    """The server ends a session (a restart, a failover), from another connection."""

    def terminate():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])  # and wait
        finally:
            connections["default"].close()

    thread = threading.Thread(target=terminate)
    thread.start()
    thread.join(10)


@pytest.mark.django_db(transaction=True)
def test_a_request_after_the_server_ended_the_connection_is_answered(cpo):
    assert cpo.client.get("/ocpi/versions").status_code == 200
    first = backend_pid()
    close_old_connections()  # as a request starts in the web process
    assert backend_pid() == first  # a live connection is kept

    end_session(first)
    close_old_connections()
    assert cpo.client.get("/ocpi/versions").status_code == 200
    assert backend_pid() != first
