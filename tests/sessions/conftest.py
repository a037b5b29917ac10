"""Sessions and CDRs test data: spec examples (copied from the OCPI 2.2.1 repository), builders,
and a small world of two CPOs and two eMSPs."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import changed, create_platform, ocpi_client

FIXTURES = Path(__file__).parent / "fixtures"
EMSP_URL = "http://emsp.test/ocpi/2.2.1"
OTHER_EMSP_URL = "http://other-emsp.test/ocpi/2.2.1"
CPO_URL = "http://cpo.test/ocpi/2.2.1"
TOKEN = {
    "country_code": "DE",
    "party_id": "MSP",
    "uid": "123abc",
    "type": "RFID",
    "contract_id": "DE-MSP-C12345678-S",
}
SESSION = {
    "country_code": "NL",
    "party_id": "CPO",
    "id": "S1",
    "start_date_time": "2024-01-01T10:00:00Z",
    "kwh": 0,
    "cdr_token": TOKEN,
    "auth_method": "WHITELIST",
    "location_id": "LOC1",
    "evse_uid": "EVSE1",
    "connector_id": "1",
    "currency": "EUR",
    "status": "PENDING",
    "last_updated": "2024-01-01T10:00:00Z",
}


def example(name: str, folder: Path = FIXTURES):
    return json.loads((folder / name).read_text())


def session(**changes) -> dict:
    """A valid Session of NL*CPO for the eMSP DE*MSP with `changes` applied."""
    return changed(SESSION, **changes)


def period(start="2024-01-01T10:00:00Z", **volumes) -> dict:
    return {
        "start_date_time": start,
        "dimensions": [{"type": kind, "volume": volume} for kind, volume in volumes.items()],
    }


def put(client, path: str, body, **headers):
    return client.put(f"/ocpi/2.2.1/receiver/sessions/{path}", body, format="json", **headers)


def patch(client, path: str, body, **headers):
    return client.patch(f"/ocpi/2.2.1/receiver/sessions/{path}", body, format="json", **headers)


def endpoints(base: str) -> dict:
    return {
        ("sessions", "RECEIVER"): f"{base}/sessions/",
        ("cdrs", "RECEIVER"): f"{base}/cdrs/",
    }


@pytest.fixture
def world(db):
    """CPOs NL*CPO and BE*CPO (with a sessions SENDER), eMSPs DE*MSP and FR*MSP (with sessions
    and cdrs RECEIVERs); each has `.client` and `.party`."""
    found = SimpleNamespace()
    for name, ref, role, urls in (
        ("cpo", ("NL", "CPO"), "CPO", {("sessions", "SENDER"): f"{CPO_URL}/sessions/"}),
        ("other_cpo", ("BE", "CPO"), "CPO", {}),
        ("emsp", ("DE", "MSP"), "EMSP", endpoints(EMSP_URL)),
        ("other_emsp", ("FR", "MSP"), "EMSP", endpoints(OTHER_EMSP_URL)),
    ):
        platform, token = create_platform(name, [(*ref, role)], endpoints=urls)
        platform.client = ocpi_client(token)
        platform.party = platform.parties.get()
        setattr(found, name, platform)
    return found
