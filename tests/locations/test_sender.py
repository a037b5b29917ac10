"""The hub's locations sender: GET All via the hub and GET of one object, from the store."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings

from tests.locations.conftest import cpo_client_for, location, put

LIST = "/ocpi/2.2.1/sender/locations"


@pytest.fixture
def stored(db):
    """Five Locations of three CPOs, last_updated on days 1..5."""
    cpos = [
        ("NL", "CPO", "A"),
        ("BE", "BEC", "B"),
        ("NL", "CPO", "C"),
        ("DE", "ALL", "D"),
        ("BE", "BEC", "E"),
    ]
    for day, (cc, pid, loc) in enumerate(cpos, start=1):
        body = location(
            country_code=cc, party_id=pid, id=loc, last_updated=f"2024-01-0{day}T00:00:00Z"
        )
        response = put(cpo_client_for(cc, pid), f"{cc}/{pid}/{loc}", body)
        assert response.json()["status_code"] == 1000


def ids(response):
    return [item["id"] for item in response.json()["data"]]


@override_settings(OCPI_PAGE_MAX_LIMIT=2)
def test_get_all_pages_through_every_cpo(stored, emsp_receiver):
    first = emsp_receiver.client.get(LIST)
    assert ids(first) == ["A", "B"]
    assert first["X-Total-Count"] == "5" and first["X-Limit"] == "2"
    seen = ids(first)
    response = first
    for _ in range(5):
        if "Link" not in response:
            break
        url = response["Link"].split(";")[0].strip("<>")
        response = emsp_receiver.client.get(LIST, parse_qs(urlsplit(url).query))
        seen += ids(response)
    assert seen == ["A", "B", "C", "D", "E"]
    assert "Link" not in response


def test_get_all_filters_on_last_updated(stored, emsp_receiver):
    response = emsp_receiver.client.get(
        LIST, {"date_from": "2024-01-02T00:00:00Z", "date_to": "2024-01-04T00:00:00"}
    )
    assert ids(response) == ["B", "C"]  # date_from inclusive, date_to exclusive
    assert response["X-Total-Count"] == "2"


def test_get_all_serves_the_stored_document_unchanged(db, emsp_receiver):
    client = cpo_client_for("NL", "CPO")
    body = location(last_updated="2024-01-01T00:00:00.123456Z", x_extra="kept")
    put(client, "NL/CPO/LOC1", body)
    assert emsp_receiver.client.get(LIST).json()["data"] == [body]


def test_get_one_object_by_open_routing(stored, emsp_receiver):
    response = emsp_receiver.client.get(f"{LIST}/D/EVSE1")
    assert response.json()["data"]["uid"] == "EVSE1"
    unknown = emsp_receiver.client.get(f"{LIST}/Z")
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2003)


def test_open_routing_refuses_an_id_several_cpos_use(db, emsp_receiver):
    for cc, pid in (("NL", "CPO"), ("BE", "BEC")):
        put(
            cpo_client_for(cc, pid),
            f"{cc}/{pid}/SAME",
            location(country_code=cc, party_id=pid, id="SAME"),
        )
    response = emsp_receiver.client.get(f"{LIST}/SAME")
    assert response.json()["status_code"] == 2001
