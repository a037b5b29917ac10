"""Locations test data: spec examples (copied from the OCPI 2.2.1 repository) and builders."""

import json
from pathlib import Path

import pytest

from tests.conftest import changed, client_for, create_platform, ocpi_client

FIXTURES = Path(__file__).parent / "fixtures"
EMSP_LOCATIONS = "http://emsp.test/ocpi/emsp/2.2.1/locations/"

CONNECTOR = {
    "id": "1",
    "standard": "IEC_62196_T2",
    "format": "SOCKET",
    "power_type": "AC_3_PHASE",
    "max_voltage": 230,
    "max_amperage": 16,
    "last_updated": "2024-01-01T10:00:00Z",
}
EVSE = {
    "uid": "EVSE1",
    "status": "AVAILABLE",
    "connectors": [CONNECTOR],
    "last_updated": "2024-01-01T10:00:00Z",
}
LOCATION = {
    "country_code": "NL",
    "party_id": "CPO",
    "id": "LOC1",
    "publish": True,
    "address": "Stationsplein 1",
    "city": "Utrecht",
    "country": "NLD",
    "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
    "time_zone": "Europe/Amsterdam",
    "evses": [EVSE],
    "last_updated": "2024-01-01T10:00:00Z",
}


def example(name: str):
    return json.loads((FIXTURES / name).read_text())


def location(**changes) -> dict:
    """A valid Location of NL*CPO with `changes` applied (None removes a field)."""
    return changed(LOCATION, **changes)


def cpo_client_for(country_code: str, party_id: str):
    return client_for(country_code, party_id, "CPO")


@pytest.fixture
def emsp_receiver(db):
    """A connected eMSP (DE*MSP) advertising a locations RECEIVER; `.client` pulls as it."""
    platform, token = create_platform(
        "eMSP receiver",
        [("DE", "MSP", "EMSP")],
        endpoints={("locations", "RECEIVER"): EMSP_LOCATIONS},
    )
    platform.client = ocpi_client(token)
    platform.party = platform.parties.get()
    return platform


def put(client, path: str, body, **headers):
    return client.put(f"/ocpi/2.2.1/receiver/locations/{path}", body, format="json", **headers)


def patch(client, path: str, body, **headers):
    return client.patch(f"/ocpi/2.2.1/receiver/locations/{path}", body, format="json", **headers)
