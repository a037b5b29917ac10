import threading
from datetime import UTC, datetime, timedelta

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
    path_of,
    start_session,
    store_session,
    token,
)
from tests.conftest import create_platform, ocpi_client
from tests.servers import answering

URL = "/ocpi/2.2.1/receiver/commands/"
AT_CPO = path_of(CPO_COMMANDS)


def post(client, command, body, **headers):
    return client.post(f"{URL}{command}", body, format="json", **{**TO_CPO, **headers})


def test_start_session_goes_to_the_cpo_with_the_hubs_response_url(cpo, emsp, cpo_api):
    response = post(emsp.client, "START_SESSION", start_session(floor="-1"))

    assert response.status_code == 200
    assert response.json()["data"] == {"result": "ACCEPTED", "timeout": 30}
    assert (response["OCPI-from-country-code"], response["OCPI-from-party-id"]) == ("NL", "CPO")
    assert cpo_api.requests() == [("POST", f"{AT_CPO}START_SESSION")]
    sent = cpo_api.received[-1]
    forwarded = sent.json
    entry = Command.objects.get()
    assert forwarded["response_url"] == entry.hub_response_url
    assert forwarded["response_url"].startswith(
        f"{settings.HUB_BASE_URL}/ocpi/2.2.1/sender/commands/"
    )
    assert len(forwarded["response_url"]) <= 255
    assert "msp.test" not in forwarded["response_url"]
    assert forwarded["floor"] == "-1", "unknown fields are forwarded unchanged"
    assert forwarded["token"] == token()
    assert sent.header("Authorization") != response.request.get("HTTP_AUTHORIZATION")
    assert sent.header("X-Correlation-ID") == "corr-app-1"
    assert (sent.header("OCPI-from-country-code"), sent.header("OCPI-from-party-id")) == (
        "DE",
        "MSP",
    )
    assert (entry.response_url, entry.correlation_id) == (EMSP_RESPONSE_URL, "corr-app-1")
    assert entry.outcome == Outcome.ACCEPTED
    assert entry.request["response_url"] == EMSP_RESPONSE_URL


def test_each_command_gets_its_own_unguessable_url(cpo, emsp):
    post(emsp.client, "START_SESSION", start_session())
    post(emsp.client, "START_SESSION", start_session())
    first, second = Command.objects.all()
    assert first.id != second.id
    assert len(first.id) >= 32


def test_cpo_refusal_is_relayed_unchanged(cpo, emsp, cpo_api):
    answer = {**command_response("REJECTED"), "status_code": 2003, "status_message": "Unknown"}
    cpo_api.respond = answering((200, answer, {}))
    body = {
        "response_url": EMSP_RESPONSE_URL,
        "location_id": "LOC9",
        "evse_uid": "E1",
        "connector_id": "1",
    }
    response = post(emsp.client, "UNLOCK_CONNECTOR", body)
    assert cpo_api.requests() == [("POST", f"{AT_CPO}UNLOCK_CONNECTOR")]
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
def test_invalid_command_names_the_field(cpo, emsp, cpo_api, emsp_api, command, body, message):
    response = post(emsp.client, command, body)
    assert response.status_code == 200
    assert response.json()["status_code"] == 2001
    assert message in response.json()["status_message"]
    assert cpo_api.received == emsp_api.received == []
    assert not Command.objects.exists()


def test_unknown_command_is_not_found(cpo, emsp):
    response = post(emsp.client, "SELF_DESTRUCT", {"response_url": EMSP_RESPONSE_URL})
    assert response.status_code == 404
    assert response.json()["status_code"] == 2001
    assert "START_SESSION" in response.json()["status_message"]


def test_token_of_another_emsp_is_refused(cpo, emsp, cpo_api, emsp_api):
    response = post(emsp.client, "START_SESSION", start_session(token=token("FR", "OTH")))
    assert response.json()["status_code"] == 2001
    assert "token.country_code/token.party_id" in response.json()["status_message"]
    assert cpo_api.received == emsp_api.received == []


def test_token_owner_is_compared_case_insensitively(cpo, emsp, cpo_api):
    response = post(emsp.client, "START_SESSION", start_session(token=token("de", "msp")))
    assert response.json()["status_code"] == 1000
    assert cpo_api.requests() == [("POST", f"{AT_CPO}START_SESSION")]


def test_only_an_emsp_may_send_commands(cpo, emsp, cpo_api, emsp_api):
    response = post(
        cpo.client,
        "START_SESSION",
        start_session(),
        HTTP_OCPI_FROM_COUNTRY_CODE="NL",
        HTTP_OCPI_FROM_PARTY_ID="CPO",
    )
    assert response.status_code == 403
    assert response.json()["status_code"] == 2001
    assert cpo_api.received == emsp_api.received == []


def test_unknown_receiver_is_4001(cpo, emsp, cpo_api, emsp_api):
    response = post(
        emsp.client,
        "START_SESSION",
        start_session(),
        HTTP_OCPI_TO_COUNTRY_CODE="BE",
        HTTP_OCPI_TO_PARTY_ID="XXX",
    )
    assert response.json()["status_code"] == 4001
    assert cpo_api.received == emsp_api.received == []
    assert not Command.objects.exists()


def test_offline_cpo_is_4003_and_logged(cpo, emsp, cpo_api, emsp_api):
    cpo.status = ConnectionStatus.OFFLINE
    cpo.save()
    response = post(emsp.client, "START_SESSION", start_session())
    assert response.json()["status_code"] == 4003
    assert cpo_api.received == emsp_api.received == []
    entry = Command.objects.get()
    assert (entry.outcome, entry.status_code) == (Outcome.CPO_UNREACHABLE, 4003)


def test_cpo_timeout_is_4002_and_logged(cpo, emsp, emsp_session, cpo_api, settings):
    settings.OCPI_COMMAND_TIMEOUT = 0.5
    hub_gave_up = threading.Event()

    def slow(received):  # answers only once the hub stopped waiting (or after 10 s)
        hub_gave_up.wait(10)
        return 200, command_response(), {}

    cpo_api.respond = slow
    try:
        response = post(
            emsp.client, "STOP_SESSION", {"response_url": EMSP_RESPONSE_URL, "session_id": "S1"}
        )
    finally:
        hub_gave_up.set()
    assert cpo_api.requests() == [("POST", f"{AT_CPO}STOP_SESSION")]
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


def test_open_routing_finds_the_cpo_owning_the_location(cpo, emsp, cpo_api):
    store_location("NL", "CPO")
    response = emsp.client.post(f"{URL}START_SESSION", start_session(), format="json")
    assert response.json()["data"]["result"] == "ACCEPTED"
    assert cpo_api.requests() == [("POST", f"{AT_CPO}START_SESSION")]
    assert cpo_api.received[-1].header("OCPI-to-party-id") == "CPO"


def test_open_routing_to_an_unknown_location_is_2003(cpo, emsp, cpo_api, emsp_api):
    response = emsp.client.post(f"{URL}START_SESSION", start_session(), format="json")
    assert response.json()["status_code"] == 2003
    assert "LOC1" in response.json()["status_message"]
    assert cpo_api.received == emsp_api.received == []


def test_open_routing_to_a_location_id_of_several_cpos_is_2001(cpo, emsp, cpo_api, emsp_api):
    store_location("NL", "CPO")
    store_location("BE", "OTH")
    response = emsp.client.post(f"{URL}START_SESSION", start_session(), format="json")
    assert response.json()["status_code"] == 2001
    assert "location_id" in response.json()["status_message"]
    assert cpo_api.received == emsp_api.received == []


def test_to_hub_is_treated_as_open_routing(cpo, emsp):
    response = emsp.client.post(
        f"{URL}STOP_SESSION",
        {"response_url": EMSP_RESPONSE_URL, "session_id": "S1"},
        format="json",
        HTTP_OCPI_TO_COUNTRY_CODE=settings.HUB_COUNTRY_CODE,
        HTTP_OCPI_TO_PARTY_ID=settings.HUB_PARTY_ID,
    )
    assert response.json()["status_code"] == 2001
    assert "session S1" in response.json()["status_message"]


def test_stop_session_is_routed_to_the_cpo_of_the_emsps_session(cpo, emsp, cpo_api):
    store_session(("DE", "MSP"))
    body = {"response_url": EMSP_RESPONSE_URL, "session_id": "s1"}
    response = emsp.client.post(f"{URL}STOP_SESSION", body, format="json")
    assert response.json()["data"]["result"] == "ACCEPTED"
    assert cpo_api.requests() == [("POST", f"{AT_CPO}STOP_SESSION")]


def test_another_emsps_session_cannot_be_stopped_by_open_routing(cpo, emsp, cpo_api, emsp_api):
    store_session(("FR", "OTH"))
    body = {"response_url": EMSP_RESPONSE_URL, "session_id": "S1"}
    response = emsp.client.post(f"{URL}STOP_SESSION", body, format="json")
    assert response.json()["status_code"] == 2001
    assert cpo_api.received == emsp_api.received == []


def reserve_now(reservation_id="R-77", expiry="2099-01-01T12:00:00Z") -> dict:
    return {
        "response_url": "http://msp.test/reservations/77",
        "token": token(),
        "expiry_date": expiry,
        "reservation_id": reservation_id,
        "location_id": "LOC1",
    }


def test_reservation_url_lives_until_the_reservation_ends(cpo, emsp):
    post(emsp.client, "RESERVE_NOW", reserve_now())
    entry = Command.objects.get()
    window = timedelta(seconds=settings.OCPI_COMMAND_RESULT_WINDOW)
    assert entry.expires_at == datetime(2099, 1, 1, 12, tzinfo=UTC) + window
    assert entry.reservation_id == "R-77"


def test_url_lives_at_least_the_cpos_timeout(cpo, emsp, cpo_api):
    long_timeout = settings.OCPI_COMMAND_RESULT_WINDOW * 3
    cpo_api.respond = answering((200, command_response(timeout=long_timeout), {}))
    post(emsp.client, "START_SESSION", start_session())
    entry = Command.objects.get()
    assert entry.expires_at == entry.created + timedelta(seconds=long_timeout)


def test_cancel_reservation_is_routed_to_the_reserving_cpo(cpo, emsp, cpo_api, party_server):
    other = party_server(answering((200, command_response(), {})))
    create_platform(
        "Other CPO", [("BE", "CPX", "CPO")], {("commands", "RECEIVER"): f"{other.url}/c"}
    )
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
    assert other.requests() == [("POST", "/c/RESERVE_NOW")]
    assert cpo_api.requests() == [
        ("POST", f"{AT_CPO}RESERVE_NOW"),
        ("POST", f"{AT_CPO}CANCEL_RESERVATION"),
    ]
    assert cpo_api.received[-1].header("OCPI-to-party-id") == "CPO"


def test_cancel_of_an_unknown_reservation_is_refused(cpo, emsp, cpo_api, emsp_api):
    response = emsp.client.post(
        f"{URL}CANCEL_RESERVATION",
        {"response_url": "http://msp.test/cancel/1", "reservation_id": "R-1"},
        format="json",
    )
    assert response.json()["status_code"] == 2001
    assert "reservation_id" in response.json()["status_message"]
    assert cpo_api.received == emsp_api.received == []


def test_cancel_cannot_reach_another_emsps_reservation(cpo, emsp, cpo_api):
    post(emsp.client, "RESERVE_NOW", reserve_now("R-77"))
    _, other_token = create_platform("Other eMSP", [("FR", "OTH", "EMSP")])
    response = ocpi_client(other_token).post(
        f"{URL}CANCEL_RESERVATION",
        {"response_url": "http://oth.test/cancel/1", "reservation_id": "R-77"},
        format="json",
    )
    assert response.json()["status_code"] == 2001
    assert cpo_api.requests() == [("POST", f"{AT_CPO}RESERVE_NOW")]  # no cancel


def test_another_emsps_session_cannot_be_stopped_by_naming_its_cpo(cpo, emsp, cpo_api, emsp_api):
    store_session(("FR", "OTH"))
    body = {"response_url": EMSP_RESPONSE_URL, "session_id": "S1"}
    response = post(emsp.client, "STOP_SESSION", body)  # OCPI-to: NL*CPO
    assert response.json()["status_code"] == 2001
    assert "session_id" in response.json()["status_message"]
    assert cpo_api.received == emsp_api.received == []


def test_reservation_until_the_end_of_year_9999_is_kept_that_long(cpo, emsp):
    response = post(emsp.client, "RESERVE_NOW", reserve_now(expiry="9999-12-31T23:59:59Z"))
    assert response.json()["status_code"] == 1000
    assert Command.objects.get().expires_at.year == 9999


def test_huge_timeout_from_the_cpo_is_not_an_error(cpo, emsp, cpo_api):
    cpo_api.respond = answering((200, command_response(timeout=10**15), {}))
    response = post(emsp.client, "START_SESSION", start_session())
    assert response.json()["data"]["timeout"] == 10**15  # relayed as the CPO sent it
    assert Command.objects.get().expires_at.year == 9999


def test_an_other_party_may_send_a_command_with_its_own_token(cpo, cpo_api):
    """OTHER is an eMSP type of role; it too uses only Tokens it owns."""
    _, access = create_platform("Other", [("FR", "OTH", "OTHER")])
    body = start_session(token=token(country_code="FR", party_id="OTH"))

    response = post(ocpi_client(access), "START_SESSION", body)

    assert response.json()["data"] == {"result": "ACCEPTED", "timeout": 30}
    assert cpo_api.requests() == [("POST", f"{AT_CPO}START_SESSION")]
    sent = cpo_api.received[-1]
    assert (sent.header("OCPI-from-country-code"), sent.header("OCPI-from-party-id")) == (
        "FR",
        "OTH",
    )
