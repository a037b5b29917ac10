"""The hub's tokens receiver: eMSPs push their own Tokens, keyed on (uid, type); CPOs cannot."""

from urllib.parse import urlsplit

import pytest

from hub import delivery
from hub.models import Delivery, Message
from tests.conftest import create_platform, ocpi_client, point_at
from tests.servers import answering, ocpi_ok
from tests.tokens.conftest import CPO_TOKENS, RECEIVER, emsp_client_for, patch, put, token
from tokens.models import Token

APP1_PATH = f"{urlsplit(CPO_TOKENS).path}DE/MSP/APP1"


def drain_all():
    for receiver_id in delivery.due_receivers():
        delivery.drain(receiver_id)


@pytest.fixture
def cpo_api(cpo_receiver, party_server):
    """NL*CPO's tokens receiver (of `cpo_receiver`) on 127.0.0.1: accepts every request."""
    server = party_server()
    point_at(server, cpo_receiver)
    return server


def test_put_creates_then_replaces(cpo_receiver):
    client = emsp_client_for("DE", "MSP")
    first = put(client, "DE/MSP/04A1B2C3", token())
    second = put(client, "de/msp/04a1b2c3?type=RFID", token(valid=False))
    assert (first.status_code, second.status_code) == (201, 200)
    assert Token.objects.get().document["valid"] is False
    assert Delivery.objects.filter(receiver=cpo_receiver.party).count() == 2


def test_the_same_uid_with_another_type_is_another_token(cpo_receiver):
    client = emsp_client_for("DE", "MSP")
    put(client, "DE/MSP/04A1B2C3", token())
    put(client, "DE/MSP/04A1B2C3?type=APP_USER", token(type="APP_USER"))
    patch(
        client,
        "DE/MSP/04A1B2C3?type=APP_USER",
        {"valid": False, "last_updated": "2024-02-01T00:00:00Z"},
    )
    assert sorted(Token.objects.values_list("type", "document__valid")) == [
        ("APP_USER", False),
        ("RFID", True),
    ]
    # Only the APP_USER Token's own PUT is superseded (by its PATCH), not the RFID Token's.
    delivery.claim(cpo_receiver.party.pk)
    assert list(Delivery.objects.values_list("message__object_id", "status")) == [
        ("04A1B2C3:RFID", "PENDING"),
        ("04A1B2C3:APP_USER", "SUPERSEDED"),
        ("04A1B2C3:APP_USER", "PENDING"),
    ]


def test_a_put_without_type_takes_the_body_type(cpo_receiver):
    put(emsp_client_for("DE", "MSP"), "DE/MSP/APP1", token(uid="APP1", type="APP_USER"))
    assert Token.objects.get().type == "APP_USER"


def test_query_type_other_than_body_type_is_refused(db):
    response = put(emsp_client_for("DE", "MSP"), "DE/MSP/04A1B2C3?type=APP_USER", token())
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("type: ")
    assert not Token.objects.exists()


def test_an_unknown_query_type_is_refused(db):
    response = put(emsp_client_for("DE", "MSP"), "DE/MSP/04A1B2C3?type=rfid", token())
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("type: 'rfid' is not a TokenType")


def test_a_patch_without_type_is_about_the_rfid_token(cpo_receiver):
    client = emsp_client_for("DE", "MSP")
    put(client, "DE/MSP/04A1B2C3", token(type="APP_USER"))
    response = patch(
        client, "DE/MSP/04A1B2C3", {"valid": False, "last_updated": "2024-02-01T00:00:00Z"}
    )
    assert (response.status_code, response.json()["status_code"]) == (404, 2001)
    assert Token.objects.get().document["valid"] is True
    assert Message.objects.count() == 1


def test_deliveries_carry_the_type_and_a_patch_after_a_miss_goes_as_the_full_token(
    cpo_receiver, cpo_api
):
    cpo_api.respond = answering((500, {"status_code": 3000}, {}), (200, ocpi_ok(), {}))
    client = emsp_client_for("DE", "MSP")
    put(client, "DE/MSP/APP1", token(uid="APP1", type="APP_USER"))
    drain_all()
    Delivery.objects.update(status="FAILED")  # the PUT did not reach the CPO
    patch(
        client,
        "DE/MSP/APP1?type=APP_USER",
        {"valid": False, "last_updated": "2024-02-01T00:00:00Z"},
    )
    drain_all()
    refused, request = cpo_api.received
    assert (refused.method, refused.path) == ("PUT", f"{APP1_PATH}?type=APP_USER")
    assert (request.method, request.path) == ("PUT", f"{APP1_PATH}?type=APP_USER")
    assert b'"valid":false' in request.body


def test_a_cpo_cannot_push_tokens(cpo_receiver):
    response = put(cpo_receiver.client, "NL/CPO/04A1B2C3", token(country_code="NL", party_id="CPO"))
    assert response.status_code == 404
    assert not Token.objects.exists() and not Message.objects.exists()


def test_a_cpo_naming_itself_as_sender_is_refused(cpo_receiver):
    response = put(
        cpo_receiver.client,
        "NL/CPO/04A1B2C3",
        token(country_code="NL", party_id="CPO"),
        HTTP_OCPI_FROM_COUNTRY_CODE="NL",
        HTTP_OCPI_FROM_PARTY_ID="CPO",
    )
    assert response.status_code == 403
    assert not Token.objects.exists()


def test_url_party_of_another_emsp_is_404(db):
    emsp_client_for("FR", "OTH")
    response = put(emsp_client_for("DE", "MSP"), "FR/OTH/04A1B2C3", token(country_code="FR"))
    assert response.status_code == 404
    assert not Token.objects.exists()


def test_ids_must_match_the_url(db):
    client = emsp_client_for("DE", "MSP")
    for body, field in ((token(uid="OTHER"), "uid"), (token(party_id="XXX"), "party_id")):
        response = put(client, "DE/MSP/04A1B2C3", body)
        assert response.json()["status_message"].startswith(f"{field}: ")
    assert not Token.objects.exists()


def test_get_of_own_token_from_the_store(db):
    client = emsp_client_for("DE", "MSP")
    put(client, "DE/MSP/APP1", token(uid="APP1", type="APP_USER"))
    found = client.get(f"{RECEIVER}/DE/MSP/app1?type=APP_USER")
    as_rfid = client.get(f"{RECEIVER}/DE/MSP/APP1")
    assert found.json()["data"]["uid"] == "APP1"
    assert (as_rfid.status_code, as_rfid.json()["status_code"]) == (404, 2004)


def test_get_with_ocpi_to_is_forwarded_to_that_cpo_with_the_type(cpo_receiver, cpo_api):
    cpo_api.respond = answering((200, {"status_code": 1000, "data": token()}, {}))
    response = emsp_client_for("DE", "MSP").get(
        f"{RECEIVER}/DE/MSP/APP1?type=APP_USER",
        HTTP_OCPI_TO_COUNTRY_CODE="NL",
        HTTP_OCPI_TO_PARTY_ID="CPO",
    )
    assert cpo_api.requests() == [("GET", f"{APP1_PATH}?type=APP_USER")]
    assert response.json()["data"] == token()


def test_a_platform_with_an_emsp_and_a_cpo_pushes_as_its_emsp(cpo_receiver):
    _, access = create_platform("Both", [("BE", "BTH", "CPO"), ("BE", "BTH", "EMSP")])
    response = put(
        ocpi_client(access), "BE/BTH/T1", token(country_code="BE", party_id="BTH", uid="T1")
    )
    assert response.status_code == 201
    assert Token.objects.get().party_id == "BTH"
