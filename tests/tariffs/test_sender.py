"""The hub's tariffs sender: GET All via the hub, paginated, with date filters."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings

from tests.locations.conftest import cpo_client_for
from tests.tariffs.conftest import SENDER, delete, put, tariff


@pytest.fixture
def stored(db):
    """Five Tariffs of three CPOs, last_updated on days 1..5."""
    owners = [("NL", "CPO", "A"), ("BE", "BEC", "B"), ("NL", "CPO", "C"), ("DE", "ALL", "D")]
    owners.append(("BE", "BEC", "E"))
    for day, (cc, pid, tariff_id) in enumerate(owners, start=1):
        body = tariff(
            country_code=cc, party_id=pid, id=tariff_id, last_updated=f"2024-01-0{day}T00:00:00Z"
        )
        response = put(cpo_client_for(cc, pid), f"{cc}/{pid}/{tariff_id}", body)
        assert response.json()["status_code"] == 1000


def ids(response):
    return [item["id"] for item in response.json()["data"]]


@override_settings(OCPI_PAGE_MAX_LIMIT=2)
def test_get_all_pages_through_every_cpo(stored, emsp_receiver):
    response = emsp_receiver.client.get(SENDER)
    assert response["X-Total-Count"] == "5" and response["X-Limit"] == "2"
    seen = ids(response)
    for _ in range(5):
        if "Link" not in response:
            break
        url = response["Link"].split(";")[0].strip("<>")
        response = emsp_receiver.client.get(SENDER, parse_qs(urlsplit(url).query))
        seen += ids(response)
    assert seen == ["A", "B", "C", "D", "E"]


def test_get_all_filters_on_last_updated(stored, emsp_receiver):
    response = emsp_receiver.client.get(
        SENDER, {"date_from": "2024-01-02T00:00:00Z", "date_to": "2024-01-04T00:00:00Z"}
    )
    assert ids(response) == ["B", "C"]
    assert response["X-Total-Count"] == "2"


def test_a_deleted_tariff_is_no_longer_served(stored, emsp_receiver):
    delete(cpo_client_for("NL", "CPO"), "NL/CPO/C")
    response = emsp_receiver.client.get(SENDER)
    assert ids(response) == ["A", "B", "D", "E"]
    assert response["X-Total-Count"] == "4"


def test_invalid_date_filter_names_the_parameter(stored, emsp_receiver):
    response = emsp_receiver.client.get(SENDER, {"date_from": "yesterday"})
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("date_from: ")
