"""Pagination edge cases of every list GET (hub/pagination.py)."""

import pytest
from django.test import override_settings

from tests.locations.conftest import cpo_client_for, location, put

LIST = "/ocpi/2.2.1/sender/locations"


@pytest.fixture
def three(db, emsp):
    client = cpo_client_for("NL", "CPO")
    for index in range(3):
        put(client, f"NL/CPO/L{index}", location(id=f"L{index}"))
    return emsp.client


@override_settings(OCPI_PAGE_MAX_LIMIT=2)
@pytest.mark.parametrize(
    "params, ids, x_limit, link",
    [
        ({"offset": 5}, [], "2", False),  # beyond the total
        ({"limit": 0}, ["L0", "L1"], "2", True),  # 0 means the hub's maximum
        ({"limit": 50}, ["L0", "L1"], "2", True),  # capped at the maximum
        ({"limit": 1}, ["L0"], "1", True),
        ({"offset": 2}, ["L2"], "2", False),  # the last page has no Link
        ({"offset": 1, "limit": 2}, ["L1", "L2"], "2", False),
    ],
)
def test_page_math(three, params, ids, x_limit, link):
    response = three.get(LIST, params)
    assert [item["id"] for item in response.json()["data"]] == ids
    assert response["X-Total-Count"] == "3"
    assert response["X-Limit"] == x_limit
    assert ("Link" in response) is link


@pytest.mark.parametrize(
    "params, name",
    [
        ({"offset": "-1"}, "offset"),
        ({"limit": "ten"}, "limit"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_to": "2024-01-01T00:00:00+01:00"}, "date_to"),
    ],
)
def test_bad_parameters_are_2001_naming_them(three, params, name):
    response = three.get(LIST, params)
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith(name)


@override_settings(OCPI_PAGE_MAX_LIMIT=1)
def test_link_keeps_the_date_filters(three):
    response = three.get(LIST, {"date_from": "2024-01-01T00:00:00Z"})
    link = response["Link"]
    assert "date_from=2024-01-01T00%3A00%3A00Z" in link and "offset=1" in link
    assert link.endswith('; rel="next"')
