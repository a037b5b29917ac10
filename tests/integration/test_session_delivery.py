"""A real Celery worker delivers a CPO's Session pushes to the driver's eMSP and nobody else."""

import json
import time

import pytest

from hub.models import Delivery
from tests.conftest import create_platform, ocpi_client
from tests.integration.test_location_delivery import FAST, wait_until
from tests.sessions.conftest import session

pytestmark = pytest.mark.integration

PATH = "/ocpi/emsp/2.2.1/sessions"
TOKEN = {"country_code": "DE", "party_id": "MSA", "uid": "U1", "type": "RFID", "contract_id": "C1"}
SESSION = session(cdr_token=TOKEN, status="ACTIVE")


def emsp_at(server, name, country_code, party_id):
    create_platform(
        name,
        [(country_code, party_id, "EMSP")],
        endpoints={("sessions", "RECEIVER"): f"{server.url}{PATH}/"},
    )


def push(client, method, body: dict) -> bytes:
    raw = json.dumps(body).encode()
    response = getattr(client, method)(
        "/ocpi/2.2.1/receiver/sessions/NL/CPO/S1", raw, content_type="application/json"
    )
    assert response.json()["status_code"] == 1000, response.json()
    return raw


def period(start, kwh):
    return {"start_date_time": start, "dimensions": [{"type": "ENERGY", "volume": kwh}]}


def test_a_session_reaches_the_drivers_emsp_only(celery_worker_process, party_server):
    driver_emsp, other_emsp = party_server(), party_server()
    emsp_at(driver_emsp, "Driver's eMSP", "DE", "MSA")
    emsp_at(other_emsp, "Other eMSP", "FR", "MSB")
    _, token = create_platform("CPO", [("NL", "CPO", "CPO")])
    client = ocpi_client(token)
    celery_worker_process(extra_env=FAST, beat=True)

    sent = [push(client, "put", SESSION)]
    driver_emsp.wait_for(1)  # each push waits for the one before (else it would be coalesced)
    for index, start in enumerate(("2024-01-01T10:15:00Z", "2024-01-01T10:30:00Z"), start=1):
        body = {"kwh": index * 2, "charging_periods": [period(start, 2)], "last_updated": start}
        sent.append(push(client, "patch", body))
        driver_emsp.wait_for(index + 1)
    final = {
        **SESSION,
        "status": "COMPLETED",
        "kwh": 4,
        "end_date_time": "2024-01-01T10:45:00Z",
        "charging_periods": [period("2024-01-01T10:15:00Z", 2), period("2024-01-01T10:30:00Z", 2)],
        "last_updated": "2024-01-01T10:45:00Z",
    }
    sent.append(push(client, "put", final))

    received = driver_emsp.wait_for(4)
    assert [r.method for r in received] == ["PUT", "PATCH", "PATCH", "PUT"]
    assert {r.path for r in received} == {f"{PATH}/NL/CPO/S1"}
    assert [r.body for r in received] == sent
    assert {r.headers["OCPI-to-party-id"] for r in received} == {"MSA"}
    wait_until(lambda: not Delivery.objects.filter(status="PENDING").exists())
    time.sleep(1)  # nothing else arrives anywhere
    assert len(driver_emsp.received) == 4
    assert other_emsp.received == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"DELIVERED"}
