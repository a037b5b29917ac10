"""Real-time authorization through the hub: the CPO's request crosses to a real eMSP server on
127.0.0.1 and the eMSP's answer comes back unchanged; failures end in 4001/4002/4003 in time."""

import json
import time

import pytest
from django.test import override_settings

from parties.models import ConnectionStatus, Platform
from tests.conftest import create_platform, ocpi_client
from tests.servers import ocpi_ok
from tests.tokens.conftest import emsp_client_for, put, token

pytestmark = pytest.mark.integration

AUTHORIZE = "/ocpi/2.2.1/sender/tokens/{uid}/authorize"
EMSP_PATH = "/ocpi/emsp/2.2.1/tokens"
LOCATION = {"location_id": "LOC1", "evse_uids": ["EVSE1"]}
TIMEOUT = 0.5
MARGIN = 1.0  # generous for a shared 2-core machine; the bound is what matters, not speed


def authorization_info(received):
    uid = received.path.split("/")[-2]
    info = {"allowed": "ALLOWED", "token": token(uid=uid), "authorization_reference": "AUTH-1"}
    if received.body:
        info["location"] = received.json
    return 200, ocpi_ok(info), {}


def emsp_at(server, country_code="DE", party_id="MSP", status=ConnectionStatus.CONNECTED):
    """An eMSP platform whose tokens SENDER is `server`, and its RFID Token 04A1B2C3 stored."""
    platform, _ = create_platform(
        f"eMSP {party_id}",
        [(country_code, party_id, "EMSP")],
        endpoints={("tokens", "SENDER"): f"{server.url}{EMSP_PATH}/"},
    )
    body = token(country_code=country_code, party_id=party_id)
    put(emsp_client_for(country_code, party_id), f"{country_code}/{party_id}/04A1B2C3", body)
    Platform.objects.filter(pk=platform.pk).update(status=status)
    return platform


@pytest.fixture
def cpo_client(db):
    _, access = create_platform("CPO", [("NL", "CPO", "CPO")])
    return ocpi_client(access)


def authorize(client, uid="04A1B2C3", query="", body=None, **headers):
    started = time.monotonic()
    response = client.post(
        AUTHORIZE.format(uid=uid) + query,
        json.dumps(body).encode() if body is not None else b"",
        content_type="application/json",
        **headers,
    )
    return response, time.monotonic() - started


def test_a_known_token_is_authorized_by_its_emsp_and_the_answer_relayed(cpo_client, party_server):
    server = party_server(respond=authorization_info)
    emsp_at(server)
    response, _ = authorize(cpo_client, body=LOCATION, HTTP_X_CORRELATION_ID="corr-auth")

    (received,) = server.received
    assert received.method == "POST"
    assert received.path == f"{EMSP_PATH}/04A1B2C3/authorize?type=RFID&token_type=RFID"
    assert received.json == LOCATION
    headers = {name.lower(): value for name, value in received.headers.items()}
    assert (headers["ocpi-from-country-code"], headers["ocpi-from-party-id"]) == ("NL", "CPO")
    assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == ("DE", "MSP")
    assert headers["x-correlation-id"] == "corr-auth"
    assert response.status_code == 200
    assert response.content == json.dumps(authorization_info(received)[1]).encode()
    assert (response["OCPI-to-party-id"], response["OCPI-from-party-id"]) == ("CPO", "MSP")


def test_the_type_picks_the_owner(cpo_client, party_server):
    rfid_server, app_server = party_server(respond=authorization_info), party_server()
    emsp_at(rfid_server)
    emsp_at(app_server, "FR", "APP")
    app = token(country_code="FR", party_id="APP", type="APP_USER")
    put(emsp_client_for("FR", "APP"), "FR/APP/04A1B2C3", app)
    app_server.respond = authorization_info

    response, _ = authorize(cpo_client, query="?type=APP_USER")
    assert response.json()["data"]["allowed"] == "ALLOWED"
    assert rfid_server.received == []
    assert app_server.received[0].path.endswith(
        "/04A1B2C3/authorize?type=APP_USER&token_type=APP_USER"
    )


def test_ocpi_to_names_the_emsp_even_for_a_token_the_hub_never_saw(cpo_client, party_server):
    server = party_server(respond=authorization_info)
    emsp_at(server)
    response, _ = authorize(
        cpo_client, uid="NEVERSEEN", HTTP_OCPI_TO_COUNTRY_CODE="de", HTTP_OCPI_TO_PARTY_ID="msp"
    )
    assert response.json()["data"]["token"]["uid"] == "NEVERSEEN"
    assert server.received[0].path.startswith(f"{EMSP_PATH}/NEVERSEEN/authorize")


@pytest.mark.parametrize(
    "http_status, body",
    [
        (404, {"status_code": 2004, "status_message": "Unknown Token", "timestamp": "x"}),
        (200, {"status_code": 2002, "status_message": "Location needed", "timestamp": "x"}),
    ],
)
def test_the_emsps_refusals_are_relayed_unchanged(cpo_client, party_server, http_status, body):
    server = party_server(respond=lambda received: (http_status, body, {}))
    emsp_at(server)
    response, _ = authorize(cpo_client)
    assert response.status_code == http_status
    assert response.json() == body


def test_a_token_nobody_owns_is_404_2004_without_asking_anyone(cpo_client, party_server):
    server = party_server(respond=authorization_info)
    emsp_at(server)
    response, _ = authorize(cpo_client, uid="UNKNOWN")
    assert (response.status_code, response.json()["status_code"]) == (404, 2004)
    assert "data" not in response.json()
    assert server.received == []


def test_ocpi_to_naming_nobody_is_4001(cpo_client, party_server):
    server = party_server(respond=authorization_info)
    emsp_at(server)
    response, _ = authorize(cpo_client, HTTP_OCPI_TO_COUNTRY_CODE="XX", HTTP_OCPI_TO_PARTY_ID="NOP")
    assert response.json()["status_code"] == 4001
    assert server.received == []


@override_settings(OCPI_AUTHORIZE_TIMEOUT=TIMEOUT)
def test_an_emsp_answering_too_late_is_4002_within_the_timeout(cpo_client, party_server):
    def slow(received):
        time.sleep(TIMEOUT + 2)
        return authorization_info(received)

    emsp_at(party_server(respond=slow))
    response, elapsed = authorize(cpo_client)
    assert response.json()["status_code"] == 4002
    assert TIMEOUT <= elapsed < TIMEOUT + MARGIN


@override_settings(OCPI_AUTHORIZE_TIMEOUT=TIMEOUT)
def test_an_emsp_not_connected_is_4003_at_once(cpo_client, party_server):
    server = party_server(respond=authorization_info)
    emsp_at(server, status=ConnectionStatus.OFFLINE)
    response, elapsed = authorize(cpo_client)
    assert response.json()["status_code"] == 4003
    assert elapsed < TIMEOUT + MARGIN
    assert server.received == []


@override_settings(OCPI_AUTHORIZE_TIMEOUT=TIMEOUT)
def test_an_emsp_refusing_the_connection_is_4003_within_the_timeout(cpo_client, party_server):
    server = party_server(respond=authorization_info)
    emsp_at(server)
    server.stop()
    response, elapsed = authorize(cpo_client)
    assert response.json()["status_code"] == 4003
    assert elapsed < TIMEOUT + MARGIN


def test_invalid_location_references_are_refused_naming_the_field(cpo_client, party_server):
    server = party_server(respond=authorization_info)
    emsp_at(server)
    response, _ = authorize(cpo_client, body={"evse_uids": ["EVSE1"]})
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"] == "location_id: This field is required."
    assert server.received == []


def test_an_emsp_cannot_authorize(db, party_server):
    server = party_server(respond=authorization_info)
    emsp_at(server)
    response, _ = authorize(emsp_client_for("DE", "MSP"))
    assert response.json()["status_code"] == 2001
    assert server.received == []
