"""The hub's locations receiver: CPOs push their own Locations; the hub keeps the latest copy."""

from hub.models import Delivery, Message
from locations.models import Location
from tests.conftest import create_platform, ocpi_client
from tests.locations.conftest import CONNECTOR, EVSE, location, patch, put

TO_UNKNOWN = {"HTTP_OCPI_TO_COUNTRY_CODE": "FR", "HTTP_OCPI_TO_PARTY_ID": "XXX"}


def test_put_creates_then_replaces(cpo, emsp_receiver):
    first = put(cpo.client, "NL/CPO/LOC1", location())
    second = put(cpo.client, "nl/cpo/loc1", location(name="Centraal"))
    assert (first.status_code, second.status_code) == (201, 200)
    stored = Location.objects.get()
    assert stored.document["name"] == "Centraal"
    assert stored.city == "Utrecht"
    assert Delivery.objects.filter(receiver=emsp_receiver.party).count() == 2


def test_evse_put_sets_the_pushed_last_updated_on_the_location(cpo):
    put(cpo.client, "NL/CPO/LOC1", location())
    evse = {**EVSE, "uid": "EVSE2", "last_updated": "2024-02-02T02:02:02.5Z"}
    response = put(cpo.client, "NL/CPO/LOC1/EVSE2", evse)
    assert response.status_code == 201
    stored = Location.objects.get()
    assert [e["uid"] for e in stored.document["evses"]] == ["EVSE1", "EVSE2"]
    assert stored.document["last_updated"] == "2024-02-02T02:02:02.5Z"  # copied, not rewritten
    assert stored.last_updated_at.isoformat() == "2024-02-02T02:02:02.500000+00:00"


def test_connector_patch_updates_connector_evse_and_location(cpo):
    put(cpo.client, "NL/CPO/LOC1", location())
    response = patch(
        cpo.client,
        "NL/CPO/LOC1/evse1/1",
        {"tariff_ids": ["T2"], "last_updated": "2024-03-03T03:03:03Z"},
    )
    assert response.json()["status_code"] == 1000
    document = Location.objects.get().document
    evse = document["evses"][0]
    assert evse["connectors"][0]["tariff_ids"] == ["T2"]
    assert evse["connectors"][0]["max_voltage"] == CONNECTOR["max_voltage"]
    assert evse["last_updated"] == document["last_updated"] == "2024-03-03T03:03:03Z"


def test_evse_status_patch_is_searchable(cpo):
    put(cpo.client, "NL/CPO/LOC1", location())
    patch(
        cpo.client,
        "NL/CPO/LOC1/EVSE1",
        {"status": "CHARGING", "last_updated": "2024-01-02T00:00:00Z"},
    )
    assert Location.objects.filter(evse_statuses__contains="EVSE1:CHARGING").exists()


def test_patch_of_unknown_objects_is_404_and_not_forwarded(cpo, emsp_receiver):
    body = {"status": "CHARGING", "last_updated": "2024-01-02T00:00:00Z"}
    unknown_location = patch(cpo.client, "NL/CPO/NOPE", body)
    put(cpo.client, "NL/CPO/LOC1", location())
    unknown_evse = patch(cpo.client, "NL/CPO/LOC1/NOPE", body)
    for response in (unknown_location, unknown_evse):
        assert response.status_code == 404
        assert response.json()["status_code"] == 2001
    assert Message.objects.count() == 1  # the PUT


def test_evse_put_under_unknown_location_is_refused(cpo):
    response = put(cpo.client, "NL/CPO/LOC9/EVSE1", EVSE)
    assert response.json()["status_code"] == 2001
    assert "Unknown Location LOC9" in response.json()["status_message"]
    assert not Location.objects.exists()


def test_url_party_of_another_cpo_is_404_and_nothing_stored(cpo):
    create_platform("Other CPO", [("BE", "BEC", "CPO")])
    response = put(cpo.client, "BE/BEC/LOC1", location(country_code="BE", party_id="BEC"))
    assert response.status_code == 404
    assert not Location.objects.exists() and not Message.objects.exists()


def test_ocpi_from_of_another_platform_is_refused(cpo):
    create_platform("Other CPO", [("BE", "BEC", "CPO")])
    response = put(
        cpo.client,
        "NL/CPO/LOC1",
        location(),
        HTTP_OCPI_FROM_COUNTRY_CODE="BE",
        HTTP_OCPI_FROM_PARTY_ID="BEC",
    )
    assert response.status_code == 403
    assert response.json()["status_code"] == 2001
    assert not Location.objects.exists()


def test_an_emsp_cannot_push_locations(emsp_receiver):
    response = put(emsp_receiver.client, "DE/MSP/LOC1", location(country_code="DE", party_id="MSP"))
    assert response.status_code in (403, 404)
    assert not Location.objects.exists()


def test_push_to_an_unknown_receiver_is_4001_and_nothing_stored(cpo):
    response = put(cpo.client, "NL/CPO/LOC1", location(), **TO_UNKNOWN)
    assert response.json()["status_code"] == 4001
    assert not Location.objects.exists() and not Message.objects.exists()


def test_get_of_own_object_from_the_store(cpo):
    put(cpo.client, "NL/CPO/LOC1", location())
    whole = cpo.client.get("/ocpi/2.2.1/receiver/locations/NL/CPO/LOC1")
    connector = cpo.client.get("/ocpi/2.2.1/receiver/locations/NL/CPO/LOC1/EVSE1/1")
    missing = cpo.client.get("/ocpi/2.2.1/receiver/locations/NL/CPO/LOC2")
    assert whole.json()["data"]["id"] == "LOC1"
    assert connector.json()["data"] == CONNECTOR
    assert (missing.status_code, missing.json()["status_code"]) == (404, 2003)


def test_a_platform_with_two_cpos_names_the_sender(db):
    _, token = create_platform("Two CPOs", [("NL", "CPO", "CPO"), ("NL", "CP2", "CPO")])
    response = put(ocpi_client(token), "NL/CP2/LOC1", location(party_id="CP2"))
    assert response.status_code == 201
    assert Location.objects.get().party_id == "CP2"
