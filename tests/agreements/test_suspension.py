"""Suspending or ending an agreement stops deliveries at once; billing data still goes out."""

import time

import pytest

from hub import delivery
from hub.models import Delivery
from tests.agreements.conftest import (
    agree,
    cdr_of,
    location_of,
    now_text,
    post_cdr,
    put_location,
    put_session,
    session_of,
    status_of,
)
from tests.conftest import point_at


@pytest.fixture
def msa_api(world, party_server):
    """DE*MSA's endpoints on 127.0.0.1, accepting every request."""
    server = party_server()
    point_at(server, world.msa.platform)
    return server


def sent(server) -> list[tuple[str, str]]:
    """What the eMSP received of the functional modules (ClientInfo pushes left out)."""
    return [request for request in server.requests() if "/hubclientinfo/" not in request[1]]


def deliveries_to(party):
    return Delivery.objects.filter(receiver=party).exclude(message__module="hubclientinfo")


@pytest.mark.parametrize("stop", ["SUSPENDED", "ENDED"])
def test_stopping_withholds_pending_locations_but_delivers_pending_billing_data(
    world, policy, msa_api, stop
):
    agree(world.cpa, world.msa, "locations", "sessions", "cdrs")
    time.sleep(0.01)  # the session starts after the agreement became active
    started = now_text()
    assert status_of(put_location(world.cpa, location_of(world.cpa))) == 1000
    assert (
        status_of(put_session(world.cpa, session_of(world.cpa, world.msa, start=started))) == 1000
    )
    assert status_of(post_cdr(world.cpa, cdr_of(world.cpa, world.msa, start=started))) == 1000

    agree(world.cpa, world.msa, "locations", "sessions", "cdrs", status=stop)
    delivery.drain(world.msa.party.pk)

    assert sorted(sent(msa_api)) == [  # different objects: sent side by side, in any order
        ("POST", "/ocpi/2.2.1/cdrs"),
        ("PUT", "/ocpi/2.2.1/sessions/NL/CPA/S1"),
    ]
    to_msa = deliveries_to(world.msa.party)
    statuses = dict(to_msa.values_list("message__module", "status"))
    assert statuses == {"locations": "WITHHELD", "sessions": "DELIVERED", "cdrs": "DELIVERED"}


def test_billing_data_of_a_session_started_before_the_suspension_is_still_accepted(world, policy):
    agree(world.cpa, world.msa, "sessions", "cdrs")
    time.sleep(0.01)
    before = now_text()
    time.sleep(0.01)
    agree(world.cpa, world.msa, "sessions", "cdrs", status="SUSPENDED")
    time.sleep(0.01)
    after = now_text()

    late_cdr = post_cdr(world.cpa, cdr_of(world.cpa, world.msa, "CDR1", start=before))
    new_session = put_session(world.cpa, session_of(world.cpa, world.msa, "S2", start=after))

    assert status_of(late_cdr) == 1000
    assert Delivery.objects.get(message__module="cdrs").receiver == world.msa.party
    assert status_of(new_session) == 4000


def test_a_reactivated_agreement_delivers_again(world, policy, msa_api):
    agree(world.cpa, world.msa, "locations", status="SUSPENDED")
    assert status_of(put_location(world.cpa, location_of(world.cpa))) == 1000
    assert not deliveries_to(world.msa.party).exists()

    agree(world.cpa, world.msa, "locations")  # ACTIVE: the current Location is replayed
    delivery.drain(world.msa.party.pk)

    assert sent(msa_api) == [("PUT", "/ocpi/2.2.1/locations/NL/CPA/LOC1")]
