"""A real Celery worker on real PostgreSQL/Redis delivers CPO pushes to eMSP servers."""

import threading
import time

import pytest

from hub.models import Delivery
from tests.conftest import create_platform, ocpi_client
from tests.servers import ocpi_ok

pytestmark = pytest.mark.integration

PATH = "/ocpi/emsp/2.2.1/locations"
RAW_PUT = b"""{"country_code": "NL", "party_id": "CPO", "id": "LOC1", "publish": true,
 "address": "Stationsplein 1", "city": "Utrecht", "country": "NLD",
 "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
 "time_zone": "Europe/Amsterdam", "last_updated": "2024-01-01T10:00:00Z",
 "evses": [{"uid": "EVSE1", "status": "AVAILABLE", "last_updated": "2024-01-01T10:00:00Z",
   "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET",
     "power_type": "AC_3_PHASE", "max_voltage": 230, "max_amperage": 16,
     "last_updated": "2024-01-01T10:00:00Z"}]}]}"""
RAW_PATCH = b'{"status": "CHARGING", "last_updated": "2024-01-01T11:00:00Z"}'
# Short sweeper, claim and retry times, so outages and crashes play out in seconds.
FAST = {
    "DELIVERY_SWEEP_INTERVAL": "0.5",
    "DELIVERY_CLAIM_TIMEOUT": "4",
    "OCPI_CONNECT_TIMEOUT": "0.5",
    "OCPI_REQUEST_TIMEOUT": "1.5",
    "DELIVERY_RETRY_BASE": "0.3",
    "DELIVERY_RETRY_CAP": "1",
    # Threads die with the process on SIGKILL (prefork children would finish their task).
    "CELERY_WORKER_POOL": "threads",
}


def emsp_at(server, name, country_code, party_id):
    create_platform(
        name,
        [(country_code, party_id, "EMSP")],
        endpoints={("locations", "RECEIVER"): f"{server.url}{PATH}/"},
    )


def cpo_client():
    _, token = create_platform("CPO", [("NL", "CPO", "CPO")])
    return ocpi_client(token)


def push(client, method, path, body, correlation_id):
    response = getattr(client, method)(
        f"/ocpi/2.2.1/receiver/locations/{path}",
        body,
        content_type="application/json",
        HTTP_X_CORRELATION_ID=correlation_id,
    )
    assert response.json()["status_code"] == 1000, response.json()


def wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_pushes_reach_two_emsps_and_a_receiver_back_from_an_outage_gets_the_latest(
    celery_worker_process, party_server
):
    up, down = party_server(), party_server()
    emsp_at(up, "eMSP A", "DE", "MSA")
    emsp_at(down, "eMSP B", "FR", "MSB")
    client = cpo_client()
    down.stop()
    celery_worker_process(extra_env=FAST, beat=True)

    push(client, "put", "NL/CPO/LOC1", RAW_PUT, "corr-put")
    up.wait_for(1)  # (a PATCH pushed before the PUT went out would supersede it)
    push(client, "patch", "NL/CPO/LOC1/EVSE1", RAW_PATCH, "corr-patch")

    put, patch = up.wait_for(2)
    assert (put.method, put.path, put.body) == ("PUT", f"{PATH}/NL/CPO/LOC1", RAW_PUT)
    assert (patch.method, patch.path, patch.body) == (
        "PATCH",
        f"{PATH}/NL/CPO/LOC1/EVSE1",
        RAW_PATCH,
    )
    headers = {name.lower(): value for name, value in put.headers.items()}
    assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == ("DE", "MSA")
    assert (headers["ocpi-from-country-code"], headers["ocpi-from-party-id"]) == ("NL", "HUB")
    assert headers["x-correlation-id"] == "corr-put"
    assert headers["authorization"].startswith("Token ")

    time.sleep(1.5)  # B stays down through a few retries
    down.start()
    (latest,) = down.wait_for(1)
    time.sleep(1.5)  # nothing older follows the newer version
    assert len(down.received) == 1
    assert (latest.method, latest.path) == ("PUT", f"{PATH}/NL/CPO/LOC1")
    assert latest.json["evses"][0]["status"] == "CHARGING"
    assert latest.json["last_updated"] == "2024-01-01T11:00:00Z"
    assert {k.lower(): v for k, v in latest.headers.items()}["ocpi-to-party-id"] == "MSB"
    wait_until(lambda: not Delivery.objects.filter(status="PENDING").exists())
    outcome = sorted(Delivery.objects.values_list("receiver__party_id", "status"))
    assert outcome == [
        ("MSA", "DELIVERED"),
        ("MSA", "DELIVERED"),
        ("MSB", "DELIVERED"),
        ("MSB", "SUPERSEDED"),
    ]


def test_a_worker_killed_mid_delivery_loses_nothing(celery_worker_process, party_server):
    first_request = threading.Event()

    def slow_once(received):
        if not first_request.is_set():
            first_request.set()
            time.sleep(4)  # the worker is killed while it waits for this answer
        return 200, ocpi_ok(), {}

    receiver = party_server(respond=slow_once)
    emsp_at(receiver, "eMSP", "DE", "MSP")
    client = cpo_client()
    worker = celery_worker_process(extra_env=FAST, beat=True)

    push(client, "put", "NL/CPO/LOC1", RAW_PUT, "corr-1")
    assert first_request.wait(30)
    worker.kill()
    assert Delivery.objects.get().status == "PENDING"

    celery_worker_process(extra_env=FAST, beat=True)
    wait_until(lambda: Delivery.objects.get().status == "DELIVERED")
    assert [r.body for r in receiver.received] == [RAW_PUT, RAW_PUT]
    delivered = Delivery.objects.get()
    assert "worker was lost" in delivered.attempt_log.first().error
    assert delivered.attempt_log.last().http_status == 200
