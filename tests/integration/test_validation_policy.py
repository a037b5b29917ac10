"""A platform's validation policy: lenient (the default) accepts, forwards byte for byte and
records a spec violation the hub need not refuse; strict refuses it with 2001. Delivery goes
over real HTTP to an eMSP server on 127.0.0.1."""

import json

import pytest

from cdrs.models import Cdr
from hub import delivery
from hub.models import Delivery
from locations.models import Location
from parties.models import Deviation, Platform, ValidationPolicy
from tests.cdrs.conftest import cdr
from tests.conftest import create_platform, ocpi_client
from tests.locations.conftest import location
from tests.servers import ocpi_ok

pytestmark = pytest.mark.integration

EMSP_CDRS = "/ocpi/emsp/2.2.1/cdrs"
# A real CPO library's CDR: cdr_location without evse_uid, required in 2.2.1.
NO_EVSE_UID = cdr(cdr_location={k: v for k, v in cdr()["cdr_location"].items() if k != "evse_uid"})
RAW = json.dumps(NO_EVSE_UID, indent=1).encode()


@pytest.fixture
def emsp_server(db, party_server):
    server = party_server(respond=lambda received: (201, ocpi_ok(), {}))
    endpoints = {("cdrs", "RECEIVER"): f"{server.url}{EMSP_CDRS}"}
    create_platform("eMSP", [("DE", "MSP", "EMSP")], endpoints=endpoints)
    return server


def cpo(policy=None):
    platform, token = create_platform("CPO", [("NL", "CPO", "CPO")])
    if policy:
        Platform.objects.filter(pk=platform.pk).update(validation_policy=policy)
    return platform, ocpi_client(token)


def post(client, raw, request_id):
    return client.post(
        "/ocpi/2.2.1/receiver/cdrs",
        raw,
        content_type="application/json",
        HTTP_X_REQUEST_ID=request_id,
    )


def deliver_all():
    for receiver_id in set(Delivery.objects.values_list("receiver_id", flat=True)):
        delivery.drain(receiver_id)


def test_lenient_delivers_the_cdr_without_evse_uid_and_the_ledger_shows_it(emsp_server):
    platform, client = cpo()  # lenient: the default
    first = post(client, RAW, "req-1")
    second = post(client, json.dumps({**NO_EVSE_UID, "id": "CDR2"}).encode(), "req-2")
    deliver_all()

    assert (first.status_code, first.json()["status_code"]) == (201, 1000)
    assert second.json()["status_code"] == 1000
    # byte for byte (the two CDRs are sent side by side, in any order)
    assert RAW in [received.body for received in emsp_server.received]
    assert Cdr.objects.count() == 2
    (deviation,) = Deviation.objects.filter(platform=platform)
    assert (deviation.module, deviation.direction, deviation.field) == (
        "cdrs",
        "SENT",
        "cdr_location.evse_uid",
    )
    assert deviation.rule == "This field is required."
    assert (deviation.count, deviation.example_request_id) == (2, "req-1")


def test_strict_refuses_the_same_cdr_naming_the_field(emsp_server):
    _, client = cpo(ValidationPolicy.STRICT)
    response = post(client, RAW, "req-1")
    deliver_all()

    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert "cdr_location.evse_uid" in response.json()["status_message"]
    assert Cdr.objects.exists() is False
    assert emsp_server.received == []
    assert Deviation.objects.exists() is False


def test_lenient_still_refuses_what_the_cdr_is_routed_by(emsp_server):
    _, client = cpo()
    no_token_uid = cdr(cdr_token={**cdr()["cdr_token"], "uid": None}, cdr_location=None)
    response = post(client, json.dumps(no_token_uid).encode(), "req-1")

    body = response.json()
    assert body["status_code"] == 2001
    assert "cdr_token.uid" in body["status_message"]
    assert "cdr_location" in body["status_message"]  # every violation is named
    assert Cdr.objects.exists() is False
    assert Deviation.objects.exists() is False


@pytest.mark.parametrize(
    "evse, accepted, field",
    [
        ({"status": "BROKEN"}, True, "evses[].status"),
        ({"uid": None}, False, "evses[0].uid"),
        ({"connectors": "none"}, False, "evses[0].connectors"),
    ],
)
def test_lenient_location_fields_the_hub_merges_by_are_refused(db, evse, accepted, field):
    platform, client = cpo()
    body = location()
    body["evses"][0] = {k: v for k, v in {**body["evses"][0], **evse}.items() if v is not None}
    response = client.put("/ocpi/2.2.1/receiver/locations/NL/CPO/LOC1", body, format="json")
    assert (response.json()["status_code"] == 1000) is accepted
    assert Location.objects.exists() is accepted
    if accepted:
        assert Deviation.objects.get(platform=platform).field == field
    else:
        assert field in response.json()["status_message"]
