"""Who a delivered push says it is from (transport_and_format, Message Routing Headers): the
original sender on direct and open routing, the hub only on a broadcast. A real Celery worker
delivers to party servers on 127.0.0.1."""

import time

import pytest

from tests.cdrs.conftest import cdr
from tests.conftest import client_for, create_platform
from tests.integration.test_location_delivery import FAST
from tests.locations.conftest import location
from tests.sessions.conftest import session
from tests.tokens.conftest import token

pytestmark = pytest.mark.integration

EMSP = "/ocpi/emsp/2.2.1"
HUB = "/ocpi/2.2.1/receiver"
TO_EMSP = {"HTTP_OCPI_TO_COUNTRY_CODE": "DE", "HTTP_OCPI_TO_PARTY_ID": "MSP"}
TO_HUB = {"HTTP_OCPI_TO_COUNTRY_CODE": "NL", "HTTP_OCPI_TO_PARTY_ID": "HUB"}


def routing(received) -> tuple[str, str]:
    """(OCPI-from, OCPI-to) of a received request, as CC*PID."""
    headers = {name.lower(): value for name, value in received.headers.items()}
    return (
        f"{headers['ocpi-from-country-code']}*{headers['ocpi-from-party-id']}",
        f"{headers['ocpi-to-country-code']}*{headers['ocpi-to-party-id']}",
    )


def receiving_platform(server, name, parties, modules):
    create_platform(
        name, parties, endpoints={(m, "RECEIVER"): f"{server.url}{EMSP}/{m}/" for m in modules}
    )


def test_routed_pushes_carry_the_senders_ocpi_from_and_broadcasts_the_hubs(
    celery_worker_process, party_server
):
    server = party_server()
    receiving_platform(server, "eMSP", [("DE", "MSP", "EMSP")], ("sessions", "cdrs", "locations"))
    cpo = client_for("NL", "CPO", "CPO")
    celery_worker_process(extra_env=FAST)

    cpo.put(f"{HUB}/sessions/NL/CPO/S1", session(), format="json")  # open routing
    cpo.put(f"{HUB}/sessions/NL/CPO/S2", session(id="S2"), format="json", **TO_EMSP)  # direct
    cpo.post(f"{HUB}/cdrs", cdr(), format="json", **TO_HUB)  # never broadcast: routed
    cpo.put(f"{HUB}/locations/NL/CPO/L1", location(id="L1"), format="json", **TO_EMSP)
    cpo.put(f"{HUB}/locations/NL/CPO/L2", location(id="L2"), format="json", **TO_HUB)
    cpo.put(f"{HUB}/locations/NL/CPO/L3", location(id="L3"), format="json")  # broadcast too

    received = {r.path: routing(r) for r in server.wait_for(6)}
    assert received == {
        f"{EMSP}/sessions/NL/CPO/S1": ("NL*CPO", "DE*MSP"),
        f"{EMSP}/sessions/NL/CPO/S2": ("NL*CPO", "DE*MSP"),
        f"{EMSP}/cdrs": ("NL*CPO", "DE*MSP"),
        f"{EMSP}/locations/NL/CPO/L1": ("NL*CPO", "DE*MSP"),
        f"{EMSP}/locations/NL/CPO/L2": ("NL*HUB", "DE*MSP"),
        f"{EMSP}/locations/NL/CPO/L3": ("NL*HUB", "DE*MSP"),
    }


def test_an_other_partys_tokens_go_to_cpos_only(celery_worker_process, party_server):
    """Spec (Broadcast Push): OTHER is an eMSP type of role; its broadcasts go to CPOs."""
    cpo_server, emsp_server = party_server(), party_server()
    receiving_platform(cpo_server, "CPO", [("NL", "CPO", "CPO")], ("tokens",))
    receiving_platform(emsp_server, "eMSP", [("DE", "MSP", "EMSP")], ("tokens",))
    other = client_for("FR", "OTH", "OTHER")
    celery_worker_process(extra_env=FAST)

    body = token(country_code="FR", party_id="OTH", uid="T1")
    broadcast = other.put(f"{HUB}/tokens/FR/OTH/T1", body, format="json")
    to_cpo = {"HTTP_OCPI_TO_COUNTRY_CODE": "NL", "HTTP_OCPI_TO_PARTY_ID": "CPO"}
    direct = other.put(
        f"{HUB}/tokens/FR/OTH/T2",
        token(country_code="FR", party_id="OTH", uid="T2"),
        format="json",
        **to_cpo,
    )

    assert (broadcast.status_code, broadcast.json()["status_code"]) == (201, 1000)
    assert direct.json()["status_code"] == 1000
    received = {r.path: routing(r) for r in cpo_server.wait_for(2)}
    assert received == {
        f"{EMSP}/tokens/FR/OTH/T1?type=RFID": ("NL*HUB", "NL*CPO"),
        f"{EMSP}/tokens/FR/OTH/T2?type=RFID": ("FR*OTH", "NL*CPO"),
    }
    time.sleep(0.5)  # a broadcast to the eMSP would have arrived with the CPO's
    assert emsp_server.received == []
