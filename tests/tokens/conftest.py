"""Tokens test data: spec examples (copied from the OCPI 2.2.1 repository) and builders."""

import json
from pathlib import Path

import pytest

from tests.conftest import changed, client_for, create_platform, ocpi_client

FIXTURES = Path(__file__).parent / "fixtures"
CPO_TOKENS = "http://cpo.test/ocpi/cpo/2.2.1/tokens/"
RECEIVER = "/ocpi/2.2.1/receiver/tokens"
SENDER = "/ocpi/2.2.1/sender/tokens"

TOKEN = {
    "country_code": "DE",
    "party_id": "MSP",
    "uid": "04A1B2C3",
    "type": "RFID",
    "contract_id": "DE-MSP-C12345-6",
    "issuer": "Example eMSP",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2024-01-01T10:00:00Z",
}


def example(name: str):
    return json.loads((FIXTURES / name).read_text())


def token(**changes) -> dict:
    """A valid RFID Token of DE*MSP with `changes` applied (None removes a field)."""
    return changed(TOKEN, **changes)


def emsp_client_for(country_code: str, party_id: str):
    return client_for(country_code, party_id, "EMSP")


def put(client, path: str, body, **headers):
    return client.put(f"{RECEIVER}/{path}", body, format="json", **headers)


def patch(client, path: str, body, **headers):
    return client.patch(f"{RECEIVER}/{path}", body, format="json", **headers)


@pytest.fixture
def cpo_receiver(db):
    """A connected CPO (NL*CPO) advertising a tokens RECEIVER; `.client` pulls as it."""
    platform, access = create_platform(
        "CPO receiver", [("NL", "CPO", "CPO")], endpoints={("tokens", "RECEIVER"): CPO_TOKENS}
    )
    platform.client = ocpi_client(access)
    platform.party = platform.parties.get()
    return platform
