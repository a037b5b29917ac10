"""A real Celery worker delivers a CPO's Tariff PUT and DELETE to every eMSP."""

import pytest

from hub.models import Delivery
from tests.conftest import create_platform, ocpi_client
from tests.integration.test_location_delivery import FAST, wait_until

pytestmark = pytest.mark.integration

PATH = "/ocpi/emsp/2.2.1/tariffs"
RAW_PUT = b"""{"country_code": "NL", "party_id": "CPO", "id": "T1", "currency": "EUR",
 "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}],
 "last_updated": "2024-01-01T10:00:00Z"}"""


def test_a_tariff_put_and_delete_reach_every_emsp(celery_worker_process, party_server):
    servers = [party_server(), party_server()]
    for server, (cc, pid) in zip(servers, [("DE", "MSA"), ("FR", "MSB")], strict=True):
        create_platform(
            f"eMSP {pid}",
            [(cc, pid, "EMSP")],
            endpoints={("tariffs", "RECEIVER"): f"{server.url}{PATH}/"},
        )
    _, access = create_platform("CPO", [("NL", "CPO", "CPO")])
    client = ocpi_client(access)
    celery_worker_process(extra_env=FAST)

    put = client.put(
        "/ocpi/2.2.1/receiver/tariffs/NL/CPO/T1", RAW_PUT, content_type="application/json"
    )
    assert put.status_code == 201
    for server in servers:
        server.wait_for(1)
    deleted = client.delete("/ocpi/2.2.1/receiver/tariffs/NL/CPO/T1")
    assert deleted.json()["status_code"] == 1000

    for server in servers:
        first, second = server.wait_for(2)
        assert (first.method, first.path, first.body) == ("PUT", f"{PATH}/NL/CPO/T1", RAW_PUT)
        assert (second.method, second.path, second.body) == ("DELETE", f"{PATH}/NL/CPO/T1", b"")
        headers = {name.lower(): value for name, value in second.headers.items()}
        assert (headers["ocpi-from-country-code"], headers["ocpi-from-party-id"]) == ("NL", "HUB")
    wait_until(lambda: not Delivery.objects.filter(status="PENDING").exists())
    assert set(Delivery.objects.values_list("status", flat=True)) == {"DELIVERED"}
    assert client.get("/ocpi/2.2.1/sender/tariffs").json()["data"] == []
