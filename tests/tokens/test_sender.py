"""GET All of Tokens via the hub: a CPO gets what was shared with it; an eMSP only its own."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings

from parties.models import Party, PlatformToken
from tests.conftest import create_platform, ocpi_client
from tests.tokens.conftest import SENDER, emsp_client_for, put, token

TO = {"HTTP_OCPI_TO_COUNTRY_CODE": "NL", "HTTP_OCPI_TO_PARTY_ID": "CPO"}


def uids(response):
    return [item["uid"] for item in response.json()["data"]]


@pytest.fixture
def shared(cpo_receiver):
    """Broadcast: A (DE*MSP, day 1), B (FR*OTH, day 2), C (DE*MSP, day 3); D (FR*OTH) pushed
    to NL*CPO directly; E (FR*OTH) pushed to another CPO directly."""
    create_platform("Other CPO", [("BE", "BEC", "CPO")])
    for day, (cc, pid, uid, headers) in enumerate(
        [
            ("DE", "MSP", "A", {}),
            ("FR", "OTH", "B", {}),
            ("DE", "MSP", "C", {}),
            ("FR", "OTH", "D", TO),
            ("FR", "OTH", "E", {"HTTP_OCPI_TO_COUNTRY_CODE": "BE", "HTTP_OCPI_TO_PARTY_ID": "BEC"}),
        ],
        start=1,
    ):
        body = token(
            country_code=cc, party_id=pid, uid=uid, last_updated=f"2024-01-0{day}T00:00:00Z"
        )
        response = put(emsp_client_for(cc, pid), f"{cc}/{pid}/{uid}", body, **headers)
        assert response.json()["status_code"] == 1000, response.json()


def test_a_cpo_gets_broadcast_tokens_and_those_pushed_to_it(shared, cpo_receiver):
    response = cpo_receiver.client.get(SENDER)
    assert uids(response) == ["A", "B", "C", "D"]
    assert response["X-Total-Count"] == "4"


@override_settings(OCPI_PAGE_MAX_LIMIT=3)
def test_get_all_is_paginated(shared, cpo_receiver):
    first = cpo_receiver.client.get(SENDER)
    url = first["Link"].split(";")[0].strip("<>")
    second = cpo_receiver.client.get(SENDER, parse_qs(urlsplit(url).query))
    assert uids(first) + uids(second) == ["A", "B", "C", "D"]
    assert "Link" not in second


def test_get_all_filters_on_last_updated(shared, cpo_receiver):
    dated = cpo_receiver.client.get(
        SENDER, {"date_from": "2024-01-02T00:00:00Z", "date_to": "2024-01-04T00:00:00Z"}
    )
    assert uids(dated) == ["B", "C"]


def test_an_emsp_never_sees_another_emsps_tokens(shared):
    assert uids(emsp_client_for("DE", "MSP").get(SENDER)) == ["A", "C"]
    assert uids(emsp_client_for("FR", "OTH").get(SENDER)) == ["B", "D", "E"]
    _, access = create_platform("Newcomer", [("IT", "NEW", "EMSP")])
    assert ocpi_client(access).get(SENDER).json()["data"] == []


def test_a_later_broadcast_shares_a_direct_token_with_every_cpo(shared):
    other_cpo = Party.objects.get(party_id="BEC").platform
    client = ocpi_client(PlatformToken.issue(other_cpo, PlatformToken.Kind.ACCESS))
    assert uids(client.get(SENDER)) == ["A", "B", "C", "E"]
    put(emsp_client_for("FR", "OTH"), "FR/OTH/D", token(country_code="FR", party_id="OTH", uid="D"))
    assert uids(client.get(SENDER)) == ["A", "B", "C", "D", "E"]
