"""A CDR is never lost: it waits out an eMSP outage and a hub restart, and arrives once."""

import json
import time

import pytest

from cdrs.models import Cdr
from hub.models import Delivery, DeliveryAttempt
from tests.cdrs.conftest import cdr
from tests.conftest import create_platform, ocpi_client
from tests.integration.test_location_delivery import FAST, wait_until
from tests.servers import ocpi_ok

pytestmark = pytest.mark.integration

PATH = "/ocpi/emsp/2.2.1/cdrs"
# The driver's eMSP is DE*MSA here.
CDR = cdr(
    cdr_token={
        "country_code": "DE",
        "party_id": "MSA",
        "uid": "U1",
        "type": "RFID",
        "contract_id": "C1",
    }
)
RAW = json.dumps(CDR, indent=2).encode()


def emsp_server(party_server):
    def created(received):
        return 201, ocpi_ok(), {"Location": f"http://127.0.0.1/emsp/cdrs/{len(RAW)}"}

    server = party_server(respond=created)
    create_platform(
        "Driver's eMSP",
        [("DE", "MSA", "EMSP")],
        endpoints={("cdrs", "RECEIVER"): f"{server.url}{PATH}/"},
    )
    return server


def post_cdr():
    _, token = create_platform("CPO", [("NL", "CPO", "CPO")])
    response = ocpi_client(token).post(
        "/ocpi/2.2.1/receiver/cdrs", RAW, content_type="application/json"
    )
    assert (response.status_code, response.json()["status_code"]) == (201, 1000)


def assert_delivered_once(server):
    (received,) = server.wait_for(1)
    time.sleep(1.5)  # a few sweeps and retry periods: nothing is sent twice
    assert len(server.received) == 1
    assert (received.method, received.path, received.body) == ("POST", PATH, RAW)
    wait_until(lambda: Delivery.objects.get().status == "DELIVERED")
    assert Cdr.objects.get().emsp_location == f"http://127.0.0.1/emsp/cdrs/{len(RAW)}"


def test_a_cdr_posted_while_its_emsp_is_down_arrives_once_it_is_back(
    celery_worker_process, party_server
):
    server = emsp_server(party_server)
    server.stop()
    celery_worker_process(extra_env=FAST, beat=True)

    post_cdr()
    wait_until(lambda: DeliveryAttempt.objects.filter(http_status__isnull=True).count() >= 2)
    assert Delivery.objects.get().status == "PENDING"
    server.start()
    assert_delivered_once(server)


def test_a_pending_cdr_survives_a_hub_restart(celery_worker_process, party_server):
    server = emsp_server(party_server)
    server.stop()
    worker = celery_worker_process(extra_env=FAST, beat=True)

    post_cdr()
    wait_until(lambda: DeliveryAttempt.objects.exists())
    worker.stop()  # the hub goes down with the CDR pending; the web side keeps no state
    assert Delivery.objects.get().status == "PENDING"
    server.start()
    time.sleep(1)
    assert server.received == []  # nobody delivers while the hub is down

    celery_worker_process(extra_env=FAST, beat=True)
    assert_delivered_once(server)
