"""A real Celery worker delivers an eMSP's Token PUT and PATCH to every CPO, with ?type=."""

import pytest

from hub.models import Delivery
from tests.conftest import create_platform, ocpi_client
from tests.integration.test_location_delivery import FAST, wait_until

pytestmark = pytest.mark.integration

PATH = "/ocpi/cpo/2.2.1/tokens"
RAW_PUT = b"""{"country_code": "DE", "party_id": "MSP", "uid": "APP1", "type": "APP_USER",
 "contract_id": "DE-MSP-C1", "issuer": "eMSP", "valid": true, "whitelist": "NEVER",
 "last_updated": "2024-01-01T10:00:00Z"}"""
RAW_PATCH = b'{"valid": false, "last_updated": "2024-01-02T10:00:00Z"}'


def test_a_token_put_and_patch_reach_every_cpo(celery_worker_process, party_server):
    servers = [party_server(), party_server()]
    for server, (cc, pid) in zip(servers, [("NL", "CPA"), ("BE", "CPB")], strict=True):
        create_platform(
            f"CPO {pid}",
            [(cc, pid, "CPO")],
            endpoints={("tokens", "RECEIVER"): f"{server.url}{PATH}/"},
        )
    _, access = create_platform("eMSP", [("DE", "MSP", "EMSP")])
    client = ocpi_client(access)
    celery_worker_process(extra_env=FAST)

    url = "/ocpi/2.2.1/receiver/tokens/DE/MSP/APP1"
    # No ?type= on the PUT: the body's type is the key, and deliveries name it.
    assert client.put(url, RAW_PUT, content_type="application/json").status_code == 201
    for server in servers:
        server.wait_for(1)
    patched = client.patch(f"{url}?type=APP_USER", RAW_PATCH, content_type="application/json")
    assert patched.json()["status_code"] == 1000

    for server in servers:
        first, second = server.wait_for(2)
        assert (first.method, first.path, first.body) == (
            "PUT",
            f"{PATH}/DE/MSP/APP1?type=APP_USER",
            RAW_PUT,
        )
        assert (second.method, second.path, second.body) == (
            "PATCH",
            f"{PATH}/DE/MSP/APP1?type=APP_USER",
            RAW_PATCH,
        )
    wait_until(lambda: not Delivery.objects.filter(status="PENDING").exists())
    assert set(Delivery.objects.values_list("status", flat=True)) == {"DELIVERED"}
