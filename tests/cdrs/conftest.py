"""CDR builders; the `world` fixture of the sessions tests is shared."""

from pathlib import Path

from tests.sessions.conftest import TOKEN, changed, world  # noqa: F401  (fixture)

FIXTURES = Path(__file__).parent / "fixtures"
CDR = {
    "country_code": "NL",
    "party_id": "CPO",
    "id": "CDR1",
    "start_date_time": "2024-01-01T10:00:00Z",
    "end_date_time": "2024-01-01T11:00:00Z",
    "session_id": "S1",
    "cdr_token": TOKEN,
    "auth_method": "WHITELIST",
    "cdr_location": {
        "id": "LOC1",
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "country": "NLD",
        "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
        "evse_uid": "EVSE1",
        "evse_id": "NL*CPO*E1",
        "connector_id": "1",
        "connector_standard": "IEC_62196_T2",
        "connector_format": "SOCKET",
        "connector_power_type": "AC_3_PHASE",
    },
    "currency": "EUR",
    "charging_periods": [
        {
            "start_date_time": "2024-01-01T10:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 11}],
        }
    ],
    "total_cost": {"excl_vat": 4.0, "incl_vat": 4.84},
    "total_energy": 11,
    "total_time": 1,
    "last_updated": "2024-01-01T11:00:00Z",
}


def cdr(**changes) -> dict:
    """A valid CDR of NL*CPO for the eMSP DE*MSP with `changes` applied."""
    return changed(CDR, **changes)


def post(client, body, **headers):
    return client.post("/ocpi/2.2.1/receiver/cdrs", body, format="json", **headers)
