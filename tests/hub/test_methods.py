"""Every module answers HTTP 405 for the methods it does not offer, at every URL shape of its
interfaces (the methods the spec marks n/a), in the OCPI envelope."""

import uuid

import pytest

from tests.conftest import create_platform, ocpi_client

pytestmark = pytest.mark.django_db

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
BASE = "/ocpi/2.2.1"
CDR_URL = f"{BASE}/receiver/cdrs/{uuid.uuid4()}"
# URL shape -> the methods the spec offers there (mod_* : Interfaces and Endpoints).
OFFERED = {
    f"{BASE}/sender/locations": {"GET"},
    f"{BASE}/sender/locations/LOC1": {"GET"},
    f"{BASE}/sender/locations/LOC1/EVSE1": {"GET"},
    f"{BASE}/sender/locations/LOC1/EVSE1/1": {"GET"},
    f"{BASE}/receiver/locations/NL/CPO/LOC1": {"GET", "PUT", "PATCH"},
    f"{BASE}/receiver/locations/NL/CPO/LOC1/EVSE1": {"GET", "PUT", "PATCH"},
    f"{BASE}/receiver/locations/NL/CPO/LOC1/EVSE1/1": {"GET", "PUT", "PATCH"},
    f"{BASE}/sender/tariffs": {"GET"},
    f"{BASE}/receiver/tariffs/NL/CPO/T1": {"GET", "PUT", "DELETE"},
    f"{BASE}/sender/tokens": {"GET"},
    f"{BASE}/sender/tokens/TOK1/authorize": {"POST"},
    f"{BASE}/receiver/tokens/DE/MSP/TOK1": {"GET", "PUT", "PATCH"},
    f"{BASE}/sender/sessions": {"GET"},
    f"{BASE}/sender/sessions/S1/charging_preferences": {"PUT"},
    f"{BASE}/receiver/sessions/NL/CPO/S1": {"GET", "PUT", "PATCH"},
    f"{BASE}/sender/cdrs": {"GET"},
    f"{BASE}/receiver/cdrs": {"POST"},
    CDR_URL: {"GET"},
    # A CDR cannot be changed or replaced: no PUT, PATCH or DELETE at a client-owned shape.
    f"{BASE}/receiver/cdrs/NL/CPO/CDR1": set(),
    f"{BASE}/receiver/cdrs/CDR1": {"GET"},
    f"{BASE}/receiver/commands/START_SESSION": {"POST"},
    f"{BASE}/sender/commands/abc": {"POST"},
    f"{BASE}/receiver/chargingprofiles/S1": {"GET", "PUT", "DELETE"},
    f"{BASE}/sender/chargingprofiles/S1": {"POST", "PUT"},
    f"{BASE}/hubclientinfo": {"GET"},
}
CASES = [(url, method) for url, offered in OFFERED.items() for method in sorted(METHODS - offered)]


@pytest.fixture
def client():
    _, token = create_platform("Caller", [("NL", "CPO", "CPO"), ("DE", "MSP", "EMSP")])
    return ocpi_client(token)


@pytest.mark.parametrize("url, method", CASES)
def test_a_method_not_offered_is_405(client, url, method):
    response = client.generic(method, url, b"{}", content_type="application/json")
    assert response.status_code == 405, response.content
    assert response.json()["status_code"] == 2000
