"""Session and ChargingPreferences validation: spec examples pass, errors name their field."""

import pytest

from sessions.models import Session
from tests.conftest import create_platform, ocpi_client
from tests.sessions.conftest import TOKEN, example, patch, period, put, session

# These tests are about the spec's rules themselves: what a strict platform gets refused.
pytestmark = pytest.mark.usefixtures("strict_platforms")


def test_the_spec_examples_are_accepted(db):
    _, stk = create_platform("STK", [("NL", "STK", "CPO")])
    _, bec = create_platform("BEC", [("BE", "BEC", "CPO")])
    create_platform("TST", [("NL", "TST", "EMSP")])
    stk_client, bec_client = ocpi_client(stk), ocpi_client(bec)

    assert (
        put(stk_client, "NL/STK/101", example("session_example_1_simple_start.json")).status_code
        == 201
    )
    assert (
        put(bec_client, "BE/BEC/101", example("session_example_2_short_finished.json")).status_code
        == 201
    )
    for name in (
        "session_patch_example_total_cost.json",
        "session_patch_example_charging_period.json",
    ):
        response = patch(stk_client, "NL/STK/101", example(name))
        assert response.json()["status_code"] == 1000, response.json()
    stored = Session.objects.get(party_id="STK").document
    assert stored["kwh"] == 15.0 and stored["total_cost"] == {"excl_vat": 0.8, "incl_vat": 0.88}
    assert len(stored["charging_periods"]) == 1
    assert Session.objects.get(party_id="BEC").status == "COMPLETED"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kwh": "3"}, "kwh"),
        ({"id": None}, "id"),
        ({"cdr_token": {**TOKEN, "uid": None}}, "cdr_token.uid"),
        ({"cdr_token": {**TOKEN, "type": "rfid"}}, "cdr_token.type"),
        ({"cdr_token": {**TOKEN, "contract_id": "C" * 37}}, "cdr_token.contract_id"),
        ({"auth_method": "PASSWORD"}, "auth_method"),
        ({"location_id": "L" * 37}, "location_id"),
        ({"connector_id": 1}, "connector_id"),
        ({"currency": "eur"}, "currency"),
        ({"status": "RESERVED"}, "status"),  # the SessionStatus value is RESERVATION
        ({"start_date_time": "2024-01-01T10:00:00+00:00"}, "start_date_time"),
        ({"end_date_time": "yesterday"}, "end_date_time"),
        ({"meter_id": "M" * 256}, "meter_id"),
        ({"total_cost": {"incl_vat": 1}}, "total_cost.excl_vat"),
        ({"total_cost": {"excl_vat": "1.00"}}, "total_cost.excl_vat"),
        ({"charging_periods": [period(FOO=1)]}, "charging_periods[0].dimensions[0].type"),
        ({"charging_periods": [period()]}, "charging_periods[0].dimensions"),
        (
            {"charging_periods": [{**period(ENERGY=1), "tariff_id": "T" * 37}]},
            "charging_periods[0].tariff_id",
        ),
        ({"charging_periods": [period(ENERGY="1")]}, "charging_periods[0].dimensions[0].volume"),
        ({"last_updated": None}, "last_updated"),
    ],
)
def test_an_invalid_session_is_refused_naming_the_field(world, changes, field):
    response = put(world.cpo.client, "NL/CPO/S1", session(**changes))
    body = response.json()
    assert (response.status_code, body["status_code"]) == (200, 2001)
    assert body["status_message"].startswith(f"{field}:"), body["status_message"]
    assert not Session.objects.exists()


def test_na_and_session_only_dimensions_are_allowed_in_a_session(world):
    reservation = session(
        status="RESERVATION",
        evse_uid="#NA",
        connector_id="#NA",
        charging_periods=[period(STATE_OF_CHARGE=40, POWER=11, CURRENT=16, RESERVATION_TIME=0.1)],
    )
    assert put(world.cpo.client, "NL/CPO/S1", reservation).status_code == 201


def test_an_invalid_patch_names_the_field_of_the_patch(world):
    put(world.cpo.client, "NL/CPO/S1", session(charging_periods=[period(ENERGY=1)]))
    bad_period = patch(
        world.cpo.client,
        "NL/CPO/S1",
        {
            "charging_periods": [period(ENERGY=2), period(BAD=1)],
            "last_updated": "2024-01-01T11:00:00Z",
        },
    )
    bad_status = patch(
        world.cpo.client, "NL/CPO/S1", {"status": "DONE", "last_updated": "2024-01-01T11:00:00Z"}
    )
    assert bad_period.json()["status_message"].startswith("charging_periods[1].dimensions[0].type:")
    assert bad_status.json()["status_message"].startswith("status:")
    assert Session.objects.get().document == session(charging_periods=[period(ENERGY=1)])
