"""CDR validation: the spec's example passes, every error names its field."""

import pytest

from cdrs.models import Cdr
from tests.cdrs.conftest import CDR, FIXTURES, cdr, post
from tests.conftest import create_platform, ocpi_client
from tests.sessions.conftest import example

# These tests are about the spec's rules themselves: what a strict platform gets refused.
pytestmark = pytest.mark.usefixtures("strict_platforms")

LOCATION = CDR["cdr_location"]
TARIFF = {
    "country_code": "NL",
    "party_id": "CPO",
    "id": "T1",
    "currency": "EUR",
    "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]}],
    "last_updated": "2024-01-01T00:00:00Z",
}


def test_the_spec_example_is_accepted(db):
    _, token = create_platform("BEC", [("BE", "BEC", "CPO")])
    create_platform("TNM", [("DE", "TNM", "EMSP")])
    response = post(ocpi_client(token), example("cdr_example.json", FIXTURES))
    assert (response.status_code, response.json()["status_code"]) == (201, 1000), response.json()
    assert Cdr.objects.get().document == example("cdr_example.json", FIXTURES)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "C" * 37}, "id"),  # non-credit CDRs: at most 36
        ({"id": "C" * 40, "credit": True, "credit_reference_id": "X"}, "id"),
        ({"credit": True}, "credit_reference_id"),
        ({"credit": "true", "credit_reference_id": "CDR0"}, "credit"),
        ({"credit": True, "credit_reference_id": "cdr1"}, "id"),
        ({"end_date_time": None}, "end_date_time"),
        ({"cdr_token": {**CDR["cdr_token"], "type": "CARD"}}, "cdr_token.type"),
        ({"cdr_location": {**LOCATION, "address": "A" * 46}}, "cdr_location.address"),
        ({"cdr_location": {**LOCATION, "state": "S" * 21}}, "cdr_location.state"),
        ({"cdr_location": {**LOCATION, "evse_id": "E" * 49}}, "cdr_location.evse_id"),
        (
            {
                "cdr_location": {
                    **LOCATION,
                    "coordinates": {"latitude": 52.1, "longitude": "5.11000"},
                }
            },
            "cdr_location.coordinates.latitude",
        ),
        (
            {"cdr_location": {**LOCATION, "connector_standard": "iec_62196_t2"}},
            "cdr_location.connector_standard",
        ),
        ({"charging_periods": []}, "charging_periods"),
        ({"charging_periods": None}, "charging_periods"),
        (
            {
                "charging_periods": [
                    {
                        "start_date_time": "2024-01-01T10:00:00Z",
                        "dimensions": [{"type": "STATE_OF_CHARGE", "volume": 80}],
                    }
                ]
            },
            "charging_periods[0].dimensions[0].type",
        ),
        ({"total_cost": None}, "total_cost"),
        ({"total_energy": "11"}, "total_energy"),
        ({"total_parking_cost": {"excl_vat": None}}, "total_parking_cost.excl_vat"),
        ({"remark": "R" * 256}, "remark"),
        ({"tariffs": [{**TARIFF, "elements": None}]}, "tariffs[0].elements"),
        ({"tariffs": [TARIFF, "T2"]}, "tariffs[1]"),
        (
            {"signed_data": {"encoding_method": "OCMF", "signed_values": []}},
            "signed_data.signed_values",
        ),
        (
            {
                "signed_data": {
                    "encoding_method": "OCMF",
                    "signed_values": [
                        {"nature": "Start", "plain_data": "p" * 5001, "signed_data": "s"}
                    ],
                }
            },
            "signed_data.signed_values[0].plain_data",
        ),
    ],
)
def test_an_invalid_cdr_is_refused_naming_the_field(world, changes, field):
    response = post(world.cpo.client, cdr(**changes))
    body = response.json()
    assert (response.status_code, body["status_code"]) == (200, 2001)
    assert body["status_message"].startswith(f"{field}:"), body["status_message"]
    assert not Cdr.objects.exists()


def test_optional_parts_and_na_are_accepted(world):
    reservation_only = cdr(
        cdr_location={
            **LOCATION,
            "evse_uid": "#NA",
            "evse_id": "#NA",
            "connector_id": "#NA",
            "state": "S" * 20,
        },
        tariffs=[TARIFF],
        signed_data={
            "encoding_method": "OCMF",
            "signed_values": [{"nature": "Start", "plain_data": "p" * 5000, "signed_data": "s"}],
        },
        charging_periods=[
            {
                "start_date_time": "2024-01-01T10:00:00Z",
                "dimensions": [{"type": "RESERVATION_TIME", "volume": 0.5}],
            }
        ],
    )
    assert post(world.cpo.client, reservation_only).status_code == 201
