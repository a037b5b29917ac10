from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from parties.models import Party

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.hub.urls")]
LIST = "/ocpi/2.2.1/test/parties"
START = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def parties(cpo, settings):
    """The cpo's own party plus 24 more, one hour apart from 2024-01-01T00:00Z."""
    settings.OCPI_PAGE_MAX_LIMIT = 10
    Party.objects.filter(platform=cpo).update(last_updated=START - timedelta(days=1))
    for index in range(24):
        Party.objects.create(
            platform=cpo,
            country_code="NL",
            party_id=f"P{index:02d}",
            role="CPO",
            last_updated=START + timedelta(hours=index),
        )
    return cpo


def page(client, **params):
    response = client.get(LIST, params)
    assert response.json()["status_code"] == 1000, response.json()
    return response


def next_link(response) -> str | None:
    link = response.headers.get("Link")
    if link is None:
        return None
    assert link.endswith('>; rel="next"')
    return link[1 : link.index(">")]


def test_first_page_headers(parties):
    response = page(parties.client, limit=5)
    assert len(response.json()["data"]) == 5
    assert response["X-Total-Count"] == "25"
    assert response["X-Limit"] == "5"
    query = parse_qs(urlsplit(next_link(response)).query)
    assert (query["offset"], query["limit"]) == (["5"], ["5"])


def test_limit_above_the_maximum_is_capped(parties):
    response = page(parties.client, limit=2000)
    assert response["X-Limit"] == "10"
    assert len(response.json()["data"]) == 10
    assert parse_qs(urlsplit(next_link(response)).query)["limit"] == ["10"]


def test_no_limit_or_zero_means_the_maximum(parties):
    assert page(parties.client)["X-Limit"] == "10"
    assert page(parties.client, limit=0)["X-Limit"] == "10"


def test_following_links_reads_everything_once_in_a_stable_order(parties):
    seen = []
    response = page(parties.client, limit=7)
    for _ in range(10):  # bounded: 25 objects in pages of 7
        seen += response.json()["data"]
        link = next_link(response)
        if link is None:
            break
        response = parties.client.get(link)
    assert len(seen) == 25 and len(set(seen)) == 25
    assert seen == [p.party_id for p in Party.objects.order_by("pk")]


def test_last_page_has_no_link(parties):
    response = page(parties.client, offset=20, limit=5)
    assert len(response.json()["data"]) == 5
    assert "Link" not in response.headers


def test_offset_beyond_total_is_an_empty_last_page(parties):
    response = page(parties.client, offset=100)
    assert response.json()["data"] == []
    assert response["X-Total-Count"] == "25"
    assert "Link" not in response.headers


def test_date_from_is_inclusive_and_date_to_exclusive(parties):
    response = page(
        parties.client, date_from="2024-01-01T02:00:00Z", date_to="2024-01-01T05:00:00Z"
    )
    assert response.json()["data"] == ["P02", "P03", "P04"]
    assert response["X-Total-Count"] == "3"


def test_link_keeps_the_date_filters(parties):
    response = page(parties.client, date_from="2024-01-01T02:00:00Z", limit=4)
    query = parse_qs(urlsplit(next_link(response)).query)
    assert query["date_from"] == ["2024-01-01T02:00:00Z"]
    assert response["X-Total-Count"] == "22"


def test_link_is_absolute_on_the_hub_base_url(parties, settings):
    assert next_link(page(parties.client)).startswith(f"{settings.HUB_BASE_URL}{LIST}?")


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("offset", "-1"),
        ("limit", "ten"),
        ("date_from", "2024-01-01T00:00:00+01:00"),
        ("date_to", "yesterday"),
        ("offset", "9" * 30),
        ("limit", "9" * 30),
        ("after", "9" * 30),
        ("offset", "9" * 5000),
        ("offset", "\u0663"),  # ARABIC-INDIC DIGIT THREE
        ("date_from", "\uff12\uff10\uff12\uff14-01-01T00:00:00Z"),  # full-width digits
        ("date_to", "9999-12-31T23:59:60Z"),
    ],
)
def test_bad_parameters_are_2001_naming_them(parties, param, value):
    body = parties.client.get(LIST, {param: value}).json()
    assert body["status_code"] == 2001
    assert param in body["status_message"]


def test_required_date_from_is_enforced(parties):
    body = parties.client.get(LIST, {"strict": "1"}).json()
    assert body["status_code"] == 2001
    assert "date_from" in body["status_message"]


def test_largest_offset_is_an_empty_page(parties):
    response = page(parties.client, offset=str(2**62), limit="10")
    assert response.json()["data"] == []
