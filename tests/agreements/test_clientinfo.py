"""HubClientInfo per pair: each party sees the others as its agreements stand, in GET and push."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agreements.actions import check_validity
from agreements.models import Agreement
from hub import delivery
from hub.models import Delivery
from parties import client_info
from tests.agreements.conftest import agree
from tests.conftest import create_platform, ocpi_client, point_at

URL = "/ocpi/2.2.1/hubclientinfo"


def seen_by(client) -> dict[str, str]:
    return {info["party_id"]: info["status"] for info in client.get(URL).json()["data"]}


def test_get_shows_each_party_as_the_pairs_agreement_stands(world, settings):
    settings.HUB_ROAMING_POLICY = "agreements"
    agree(world.cpa, world.msa, "locations")
    agree(world.cpb, world.msa, "locations", status="PLANNED")
    agree(world.cpa, world.msb, "locations", status="SUSPENDED")

    assert seen_by(world.msa.client) == {"CPA": "CONNECTED", "CPB": "PLANNED"}
    assert seen_by(world.cpa.client) == {"MSA": "CONNECTED", "MSB": "SUSPENDED"}
    assert seen_by(world.cpb.client) == {"MSA": "PLANNED"}

    agree(world.cpa, world.msa, "locations", status="ENDED")

    assert seen_by(world.msa.client) == {"CPA": "SUSPENDED", "CPB": "PLANNED"}


def test_get_under_the_open_policy_shows_everyone_but_what_agreements_hold_back(world, settings):
    settings.HUB_ROAMING_POLICY = "open"
    agree(world.cpa, world.msa, "locations", status="SUSPENDED")

    assert seen_by(world.msa.client) == {"CPA": "SUSPENDED", "CPB": "CONNECTED", "MSB": "CONNECTED"}


def test_parties_of_the_callers_own_platform_are_listed_but_not_the_caller(db, settings):
    settings.HUB_ROAMING_POLICY = "open"
    _, token = create_platform("Dual", [("NL", "EXA", "CPO"), ("NL", "EXA", "EMSP")])
    _, single = create_platform("Single", [("FR", "ONE", "EMSP")])

    dual = ocpi_client(token).get(URL).json()["data"]
    alone = ocpi_client(single).get(URL).json()["data"]

    assert sorted((i["party_id"], i["role"]) for i in dual) == [
        ("EXA", "CPO"),
        ("EXA", "EMSP"),
        ("ONE", "EMSP"),
    ]
    assert sorted((i["party_id"], i["role"]) for i in alone) == [("EXA", "CPO"), ("EXA", "EMSP")]


@pytest.fixture
def clientinfo_receivers(world, party_server):
    """Every world platform on a server of its own, answering 1000; servers by platform."""
    servers = {}
    for name in ("cpa", "cpb", "msa", "msb"):
        servers[name] = party_server()
        point_at(servers[name], getattr(world, name).platform)
    return servers


def pushed(server) -> dict[str, str]:
    """The ClientInfo pushes the platform received: status by party_id."""
    assert all(
        r.method == "PUT" and r.path.startswith("/ocpi/2.2.1/hubclientinfo/")
        for r in server.received
    ), server.requests()
    return {r.json["party_id"]: r.json["status"] for r in server.received}


def test_a_push_tells_each_platform_the_status_from_its_point_of_view(
    world, settings, clientinfo_receivers
):
    settings.HUB_ROAMING_POLICY = "agreements"
    agree(world.cpa, world.msa, "locations")
    agree(world.cpa, world.msb, "locations", status="PLANNED")

    Delivery.objects.all().delete()  # what setting up the agreements announced
    client_info.announce(world.cpa.platform)
    for receiver_id in delivery.due_receivers():
        delivery.drain(receiver_id)

    assert pushed(clientinfo_receivers["msa"]) == {"CPA": "CONNECTED"}
    assert pushed(clientinfo_receivers["msb"]) == {"CPA": "PLANNED"}
    assert pushed(clientinfo_receivers["cpb"]) == {}  # no agreement: absent
    assert pushed(clientinfo_receivers["cpa"]) == {}  # never about itself
    (only,) = clientinfo_receivers["msa"].received
    assert only.path == "/ocpi/2.2.1/hubclientinfo/NL/CPA"


def test_changing_an_agreement_announces_both_sides_again(world, settings, monkeypatch):
    settings.HUB_ROAMING_POLICY = "agreements"
    announced = []
    monkeypatch.setattr(
        "agreements.actions.client_info.announce", lambda platform: announced.append(platform.pk)
    )

    agree(world.cpa, world.msa, "locations")
    agree(world.cpa, world.msa, "locations")  # no change: nothing announced

    assert sorted(announced) == sorted([world.cpa.platform.pk, world.msa.platform.pk])


def test_an_agreement_passing_its_end_is_announced_once_as_suspended(world, settings, monkeypatch):
    settings.HUB_ROAMING_POLICY = "agreements"
    agreement = agree(
        world.cpa, world.msa, "locations", valid_until=timezone.now() + timedelta(days=1)
    )
    announced = []
    monkeypatch.setattr(
        "agreements.actions.client_info.announce", lambda platform: announced.append(platform.pk)
    )
    assert check_validity() == (0, 0)

    # A day later (the validity is moved instead of the clock):
    Agreement.objects.filter(pk=agreement.pk).update(valid_until=timezone.now())

    assert check_validity() == (0, 1)
    assert check_validity() == (0, 0)
    assert sorted(announced) == sorted([world.cpa.platform.pk, world.msa.platform.pk])
    assert seen_by(world.msa.client) == {"CPA": "SUSPENDED"}
