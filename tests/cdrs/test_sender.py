"""The hub's cdrs sender: each eMSP pulls its own CDRs only, paginated with date filters."""

from tests.cdrs.conftest import cdr, post
from tests.sessions.conftest import TOKEN

LIST = "/ocpi/2.2.1/sender/cdrs"


def ids(response):
    assert response.json()["status_code"] == 1000, response.json()
    return [item["id"] for item in response.json()["data"]]


def test_each_party_lists_only_its_own_cdrs(world):
    post(world.cpo.client, cdr(id="A"))
    post(world.cpo.client, cdr(id="B", last_updated="2024-02-01T00:00:00Z"))
    post(world.cpo.client, cdr(id="C", cdr_token={**TOKEN, "country_code": "FR"}))
    post(world.other_cpo.client, cdr(country_code="BE", id="D"))

    assert ids(world.emsp.client.get(LIST)) == ["A", "B", "D"]
    assert ids(world.other_emsp.client.get(LIST)) == ["C"]
    assert ids(world.cpo.client.get(LIST)) == ["A", "B", "C"]
    assert ids(world.other_cpo.client.get(LIST)) == ["D"]

    dated = world.emsp.client.get(LIST, {"date_from": "2024-01-15T00:00:00Z"})
    assert ids(dated) == ["B"]
    before = world.emsp.client.get(LIST, {"date_to": "2024-02-01T00:00:00Z"})
    assert ids(before) == ["A", "D"]
    first_page = world.emsp.client.get(LIST, {"limit": 2})
    assert ids(first_page) == ["A", "B"]
    assert first_page["X-Total-Count"] == "3" and "offset=2" in first_page["Link"]
