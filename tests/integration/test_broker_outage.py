"""A push accepted while the broker is unreachable, or whose queued task the broker lost, is
still delivered: the outbox row is the truth and the sweeper re-queues it."""

import pytest
from celery.app.task import Task
from kombu.exceptions import OperationalError

from hub.celery import app
from hub.models import Delivery
from tests.integration.test_location_delivery import (
    FAST,
    RAW_PUT,
    cpo_client,
    emsp_at,
    push,
    wait_until,
)

pytestmark = pytest.mark.integration


def test_push_accepted_while_the_broker_is_down_is_delivered_later(
    celery_worker_process, party_server, monkeypatch
):
    receiver = party_server()
    emsp_at(receiver, "eMSP", "DE", "MSP")
    client = cpo_client()

    refused = []

    def broker_down(*args, **kwargs):
        refused.append(args)
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    with monkeypatch.context() as patched:
        patched.setattr(Task, "apply_async", broker_down)
        push(client, "put", "NL/CPO/LOC1", RAW_PUT, "corr-1")  # answered 1000 all the same
    assert refused, "the push tried to queue its delivery"
    assert Delivery.objects.get().status == "PENDING"

    celery_worker_process(extra_env=FAST, beat=True)
    wait_until(lambda: Delivery.objects.get().status == "DELIVERED")
    assert [r.body for r in receiver.received] == [RAW_PUT]


def test_push_whose_queued_task_the_broker_lost_is_delivered(celery_worker_process, party_server):
    receiver = party_server()
    emsp_at(receiver, "eMSP", "DE", "MSP")
    client = cpo_client()

    push(client, "put", "NL/CPO/LOC1", RAW_PUT, "corr-1")  # queued; no worker runs yet
    # The broker loses every queued message (e.g. restarted without persistence).
    assert app.control.purge() >= 1

    celery_worker_process(extra_env=FAST, beat=True)
    wait_until(lambda: Delivery.objects.get().status == "DELIVERED")
    assert [r.body for r in receiver.received] == [RAW_PUT]
