import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.conf import settings

from commands.models import Command, Outcome
from locations.models import Location
from parties.models import ConnectionStatus
from tests.commands.conftest import (
    CPO_COMMANDS,
    EMSP_RESPONSE_URL,
    TO_CPO,
    command_response,
    start_session,
    store_session,
    token,
)
from tests.conftest import create_platform, ocpi_client

URL = "/ocpi/2.2.1/receiver/commands/"


def post(client, command, body, **headers):
    return client.post(f"{URL}{command}", body, format="json", **{**TO_CPO, **headers})


def test_start_session_goes_to_the_cpo_with_the_hubs_response_url(cpo, emsp, party_api):
    route = party_api.post(f"{CPO_COMMANDS}START_SESSION").respond(json=command_response())

    response = post(emsp.client, "START_SESSION", start_session(floor="-1"))

    assert response.status_code == 200
    assert response.json()["data"] == {"result": "ACCEPTED", "timeout": 30}
    assert (response["OCPI-from-country-code"], response["OCPI-from-party-id"]) == ("NL", "CPO")
    sent = route.calls.last.request
    forwarded = json.loads(sent.content)
    entry = Command.objects.get()
    assert forwarded["response_url"] == entry.hub_response_url
    assert forwarded["response_url"].startswith(
        f"{settings.HUB_BASE_URL}/ocpi/2.2.1/sender/commands/"
    )
    assert len(forwarded["response_url"]) <= 255
    assert "msp.test" not in forwarded["response_url"]
    assert forwarded["floor"] == "-1", "unknown fields are forwarded unchanged"
    assert forwarded["token"] == token()
    assert sent.headers["Authorization"] != response.request.get("HTTP_AUTHORIZATION")
    assert sent.headers["X-Correlation-ID"] == "corr-app-1"
    assert (sent.headers["OCPI-from-country-code"], sent.headers["OCPI-from-party-id"]) == (
        "DE",
        "MSP",
    )
    assert (entry.response_url, entry.correlation_id) == (EMSP_RESPONSE_URL, "corr-app-1")
    assert entry.outcome == Outcome.ACCEPTED
    assert entry.request["response_url"] == EMSP_RESPONSE_URL


def test_each_command_gets_its_own_unguessable_url(cpo, emsp, party_api):
    party_api.post(f"{CPO_COMMANDS}START_SESSION").respond(json=command_response())
    post(emsp.client, "START_SESSION", start_session())
    post(emsp.client, "START_SESSION", start_session())
    first, second = Command.objects.all()
    assert first.id != second.id
    assert len(first.id) >= 32


def test_cpo_refusal_is_relayed_unchanged(cpo, emsp, party_api):
    answer = {**command_response("REJECTED"), "status_code": 2003, "status_message": "Unknown"}
    party_api.post(f"{CPO_COMMANDS}UNLOCK_CONNECTOR").respond(json=answer)
    body = {
        "response_url": EMSP_RESPONSE_URL,
        "location_id": "LOC9",
        "evse_uid": "E1",
        "connector_id": "1",
    }
    response = post(emsp.client, "UNLOCK_CONNECTOR", body)
    assert response.json()["status_code"] == 2003
    assert response.json()["data"]["result"] == "REJECTED"
    assert Command.objects.get().outcome == Outcome.CPO_ERROR


@pytest.mark.parametrize(
    ("command", "body", "message"),
    [
        ("START_SESSION", start_session(token=None), "token: This field may not be null."),
        (
            "START_SESSION",
            start_session(token={**token(), "whitelist": "always"}),
            'token.whitelist: "always" is not a valid choice.',
        ),
        (
            "START_SESSION",
            start_session(token={k: v for k, v in token().items() if k != "uid"}),
            "token.uid: This field is required.",
        ),
        (
            "START_SESSION",
            start_session(evse_uid=None, connector_id="1"),
            "evse_uid: required when connector_id is set",
        ),
        (
            "START_SESSION",
            start_session(response_url="http://msp.test/" + "x" * 250),
            "response_url: Ensure this field has no more than 255 characters.",
        ),
        ("STOP_SESSION", {"response_url": EMSP_RESPONSE_URL}, "session_id: This field is"),
        (
            "RESERVE_NOW",
            {
                "response_url": EMSP_RESPONSE_URL,
                "token": token(),
                "expiry_date": "2024-03-01T12:00:00+01:00",
                "reservation_id": "R1",
                "location_id": "LOC1",
            },
            "expiry_date: not an OCPI DateTime",
        ),
        (
            "CANCEL_RESERVATION",
            {"response_url": "not a url", "reservation_id": "R1"},
            "response_url: Enter a valid absolute http(s) URL.",
        ),
    ],
)
def test_invalid_command_names_the_field(cpo, emsp, party_api, command, body, message):
    response = post(emsp.client, command, body)
    assert response.status_code == 200
    assert response.json()["status_code"] == 2001
    assert message in response.json()["status_message"]
    assert not party_api.calls
    assert not Command.objects.exists()


def test_unknown_command_is_not_found(cpo, emsp):
    response = post(emsp.client, "SELF_DESTRUCT", {"response_url": EMSP_RESPONSE_URL})
    assert response.status_code == 404
    assert response.json()["status_code"] == 2001
    assert "START_SESSION" in response.json()["status_message"]


def test_token_of_another_emsp_is_refused(cpo, emsp, party_api):
    response = post(emsp.client, "START_SESSION", start_session(token=token("FR", "OTH")))
    assert response.json()["status_code"] == 2001
    assert "token.country_code/token.party_id" in response.json()["status_message"]
    assert not party_api.calls


def test_token_owner_is_compared_case_insensitively(cpo, emsp, party_api):
    party_api.post(f"{CPO_COMMANDS}START_SESSION").respond(json=command_response())
    response = post(emsp.client, "START_SESSION", start_session(token=token("de", "msp")))
    assert response.json()["status_code"] == 1000


def test_only_an_emsp_may_send_commands(cpo, emsp, party_api):
    response = post(
        cpo.client,
        "START_SESSION",
        start_session(),
        HTTP_OCPI_FROM_COUNTRY_CODE="NL",
        HTTP_OCPI_FROM_PARTY_ID="CPO",
    )
    assert response.status_code == 403
    assert response.json()["status_code"] == 2001
    assert not party_api.calls


def test_unknown_receiver_is_4001(cpo, emsp, party_api):
    response = post(
        emsp.client,
        "START_SESSION",
        start_session(),
        HTTP_OCPI_TO_COUNTRY_CODE="BE",
        HTTP_OCPI_TO_PARTY_ID="XXX",
    )
    assert response.json()["status_code"] == 4001
    assert not Command.objects.exists()


def test_offline_cpo_is_4003_and_logged(cpo, emsp, party_api):
    cpo.status = ConnectionStatus.OFFLINE
    cpo.save()
    response = post(emsp.client, "START_SESSION", start_session())
    assert response.json()["status_code"] == 4003
    assert not party_api.calls
    entry = Command.objects.get()
    assert (entry.outcome, entry.status_code) == (Outcome.CPO_UNREACHABLE, 4003)


def test_cpo_timeout_is_4002_and_logged(cpo, emsp, emsp_session, party_api):
    party_api.post(f"{CPO_COMMANDS}STOP_SESSION").mock(side_effect=httpx.ReadTimeout("slow"))
    response = post(
        emsp.client, "STOP_SESSION", {"response_url": EMSP_RESPONSE_URL, "session_id": "S1"}
    )
    assert response.json()["status_code"] == 4002
    entry = Command.objects.get()
    assert (entry.outcome, entry.session_id) == (Outcome.CPO_TIMEOUT, "S1")


def store_location(country_code, party_id, location_id="LOC1"):
    Location.objects.create(
        country_code=country_code,
        party_id=party_id,
        location_id=location_id,
        document={"id": location_id},
        last_updated_at=datetime(2024, 1, 1, tzinfo=UTC),
    )


def test_open_routing_finds_the_cpo_owning_the_location(cpo, emsp, party_api):
    store_location("NL", "CPO")
    route = party_api.post(f"{CPO_COMMANDS}START_SESSION").respond(json=command_response())
    response = emsp.client.post(f"{URL}START_SESSION", start_session(), format="json")
    assert response.json()["data"]["result"] == "ACCEPTED"
    assert route.call_count == 1
    assert route.calls.last.request.headers["OCPI-to-party-id"] == "CPO"


def test_open_routing_to_an_unknown_location_is_2003(cpo, emsp, party_api):
    response = emsp.client.post(f"{URL}START_SESSION", start_session(), format="json")
    assert response.json()["status_code"] == 2003
    assert "LOC1" in response.json()["status_message"]
    assert not party_api.calls


def test_open_routing_to_a_location_id_of_several_cpos_is_2001(cpo, emsp, party_api):
    store_location("NL", "CPO")
    store_location("BE", "OTH")
    response = emsp.client.post(f"{URL}START_SESSION", start_session(), format="json")
    assert response.json()["status_code"] == 2001
    assert "location_id" in response.json()["status_message"]
    assert not party_api.calls


def test_to_hub_is_treated_as_open_routing(cpo, emsp, party_api):
    response = emsp.client.post(
        f"{URL}STOP_SESSION",
        {"response_url": EMSP_RESPONSE_URL, "session_id": "S1"},
        format="json",
        HTTP_OCPI_TO_COUNTRY_CODE=settings.HUB_COUNTRY_CODE,
        HTTP_OCPI_TO_PARTY_ID=settings.HUB_PARTY_ID,
    )
    assert response.json()["status_code"] == 2001
    assert "session S1" in response.json()["status_message"]


def test_stop_session_is_routed_to_the_cpo_of_the_emsps_session(cpo, emsp, party_api):
    store_session(("DE", "MSP"))
    route = party_api.post(f"{CPO_COMMANDS}STOP_SESSION").respond(json=command_response())
    body = {"response_url": EMSP_RESPONSE_URL, "session_id": "s1"}
    response = emsp.client.post(f"{URL}STOP_SESSION", body, format="json")
    assert response.json()["data"]["result"] == "ACCEPTED"
    assert route.call_count == 1


def test_another_emsps_session_cannot_be_stopped_by_open_routing(cpo, emsp, party_api):
    store_session(("FR", "OTH"))
    body = {"response_url": EMSP_RESPONSE_URL, "session_id": "S1"}
    response = emsp.client.post(f"{URL}STOP_SESSION", body, format="json")
    assert response.json()["status_code"] == 2001
    assert not party_api.calls


def reserve_now(reservation_id="R-77", expiry="2099-01-01T12:00:00Z") -> dict:
    return {
        "response_url": "http://msp.test/reservations/77",
        "token": token(),
        "expiry_date": expiry,
        "reservation_id": reservation_id,
        "location_id": "LOC1",
    }


def test_reservation_url_lives_until_the_reservation_ends(cpo, emsp, party_api):
    party_api.post(f"{CPO_COMMANDS}RESERVE_NOW").respond(json=command_response())
    post(emsp.client, "RESERVE_NOW", reserve_now())
    entry = Command.objects.get()
    window = timedelta(seconds=settings.OCPI_COMMAND_RESULT_WINDOW)
    assert entry.expires_at == datetime(2099, 1, 1, 12, tzinfo=UTC) + window
    assert entry.reservation_id == "R-77"


def test_url_lives_at_least_the_cpos_timeout(cpo, emsp, party_api):
    long_timeout = settings.OCPI_COMMAND_RESULT_WINDOW * 3
    party_api.post(f"{CPO_COMMANDS}START_SESSION").respond(
        json=command_response(timeout=long_timeout)
    )
    post(emsp.client, "START_SESSION", start_session())
    entry = Command.objects.get()
    assert entry.expires_at == entry.created + timedelta(seconds=long_timeout)


def test_cancel_reservation_is_routed_to_the_reserving_cpo(cpo, emsp, party_api):
    create_platform(
        "Other CPO", [("BE", "CPX", "CPO")], {("commands", "RECEIVER"): "http://cpx.test/c"}
    )
    other = party_api.post("http://cpx.test/c/RESERVE_NOW").respond(json=command_response())
    party_api.post(f"{CPO_COMMANDS}RESERVE_NOW").respond(json=command_response())
    cancel = party_api.post(f"{CPO_COMMANDS}CANCEL_RESERVATION").respond(json=command_response())
    post(emsp.client, "RESERVE_NOW", reserve_now("R-77"))
    post(
        emsp.client,
        "RESERVE_NOW",
        reserve_now("R-78"),
        HTTP_OCPI_TO_COUNTRY_CODE="BE",
        HTTP_OCPI_TO_PARTY_ID="CPX",
    )

    response = emsp.client.post(
        f"{URL}CANCEL_RESERVATION",
        {"response_url": "http://msp.test/cancel/1", "reservation_id": "r-77"},
        format="json",
    )

    assert response.json()["status_code"] == 1000
    assert cancel.call_count == 1 and other.call_count == 1
    assert cancel.calls.last.request.headers["OCPI-to-party-id"] == "CPO"


def test_cancel_of_an_unknown_reservation_is_refused(cpo, emsp, party_api):
    response = emsp.client.post(
        f"{URL}CANCEL_RESERVATION",
        {"response_url": "http://msp.test/cancel/1", "reservation_id": "R-1"},
        format="json",
    )
    assert response.json()["status_code"] == 2001
    assert "reservation_id" in response.json()["status_message"]
    assert not party_api.calls


def test_cancel_cannot_reach_another_emsps_reservation(cpo, emsp, party_api):
    party_api.post(f"{CPO_COMMANDS}RESERVE_NOW").respond(json=command_response())
    post(emsp.client, "RESERVE_NOW", reserve_now("R-77"))
    _, other_token = create_platform("Other eMSP", [("FR", "OTH", "EMSP")])
    response = ocpi_client(other_token).post(
        f"{URL}CANCEL_RESERVATION",
        {"response_url": "http://oth.test/cancel/1", "reservation_id": "R-77"},
        format="json",
    )
    assert response.json()["status_code"] == 2001


def test_another_emsps_session_cannot_be_stopped_by_naming_its_cpo(cpo, emsp, party_api):
    store_session(("FR", "OTH"))
    body = {"response_url": EMSP_RESPONSE_URL, "session_id": "S1"}
    response = post(emsp.client, "STOP_SESSION", body)  # OCPI-to: NL*CPO
    assert response.json()["status_code"] == 2001
    assert "session_id" in response.json()["status_message"]
    assert not party_api.calls


def test_reservation_until_the_end_of_year_9999_is_kept_that_long(cpo, emsp, party_api):
    party_api.post(f"{CPO_COMMANDS}RESERVE_NOW").respond(json=command_response())
    response = post(emsp.client, "RESERVE_NOW", reserve_now(expiry="9999-12-31T23:59:59Z"))
    assert response.json()["status_code"] == 1000
    assert Command.objects.get().expires_at.year == 9999


def test_huge_timeout_from_the_cpo_is_not_an_error(cpo, emsp, party_api):
    party_api.post(f"{CPO_COMMANDS}START_SESSION").respond(json=command_response(timeout=10**15))
    response = post(emsp.client, "START_SESSION", start_session())
    assert response.json()["data"]["timeout"] == 10**15  # relayed as the CPO sent it
    assert Command.objects.get().expires_at.year == 9999


def test_an_other_party_may_send_a_command_with_its_own_token(cpo, party_api):
    """OTHER is an eMSP type of role; it too uses only Tokens it owns."""
    route = party_api.post(f"{CPO_COMMANDS}START_SESSION").respond(json=command_response())
    _, access = create_platform("Other", [("FR", "OTH", "OTHER")])
    body = start_session(token=token(country_code="FR", party_id="OTH"))

    response = post(ocpi_client(access), "START_SESSION", body)

    assert response.json()["data"] == {"result": "ACCEPTED", "timeout": 30}
    sent = route.calls.last.request.headers
    assert (sent["OCPI-from-country-code"], sent["OCPI-from-party-id"]) == ("FR", "OTH")
