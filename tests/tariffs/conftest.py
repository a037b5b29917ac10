"""Tariffs test data: spec examples (copied from the OCPI 2.2.1 repository) and builders."""

import json
from pathlib import Path

import pytest

from tests.conftest import changed, create_platform, ocpi_client

FIXTURES = Path(__file__).parent / "fixtures"
EMSP_TARIFFS = "http://emsp.test/ocpi/emsp/2.2.1/tariffs/"
RECEIVER = "/ocpi/2.2.1/receiver/tariffs"
SENDER = "/ocpi/2.2.1/sender/tariffs"

TARIFF = {
    "country_code": "NL",
    "party_id": "CPO",
    "id": "T1",
    "currency": "EUR",
    "elements": [
        {"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 21.0, "step_size": 1}]}
    ],
    "last_updated": "2024-01-01T10:00:00Z",
}


def example(name: str):
    return json.loads((FIXTURES / name).read_text())


def tariff(**changes) -> dict:
    """A valid Tariff of NL*CPO with `changes` applied (None removes a field)."""
    return changed(TARIFF, **changes)


def put(client, path: str, body, **headers):
    return client.put(f"{RECEIVER}/{path}", body, format="json", **headers)


def delete(client, path: str, **headers):
    return client.delete(f"{RECEIVER}/{path}", **headers)


@pytest.fixture
def emsp_receiver(db):
    """A connected eMSP (DE*MSP) advertising a tariffs RECEIVER; `.client` pulls as it."""
    platform, token = create_platform(
        "eMSP receiver", [("DE", "MSP", "EMSP")], endpoints={("tariffs", "RECEIVER"): EMSP_TARIFFS}
    )
    platform.client = ocpi_client(token)
    platform.party = platform.parties.get()
    return platform
