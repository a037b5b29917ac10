"""Pushes between a pair follow its agreement: broadcast, direct and open routing, both policies."""

from datetime import timedelta

from django.utils import timezone

from cdrs.models import Cdr
from hub import delivery
from hub.models import Delivery
from locations.models import Location
from sessions.models import Session
from tests.agreements.conftest import (
    agree,
    cdr_of,
    location_of,
    post_cdr,
    put_location,
    put_session,
    put_token,
    session_of,
    status_of,
    to,
    token_of,
)


def receivers_of(module: str) -> set[str]:
    return set(
        Delivery.objects.filter(message__module=module).values_list("receiver__party_id", flat=True)
    )


def test_a_pair_with_an_agreement_for_locations_only_gets_locations_but_no_sessions_or_tokens(
    world, policy
):
    agree(world.cpa, world.msa, "locations")

    assert status_of(put_location(world.cpa, location_of(world.cpa))) == 1000
    refused_session = put_session(world.cpa, session_of(world.cpa, world.msa))
    refused_cdr = post_cdr(world.cpa, cdr_of(world.cpa, world.msa))
    assert status_of(put_token(world.msa, token_of(world.msa))) == 1000

    # MSB has no agreement: the open policy lets everything through, the other nothing.
    open_ = policy == "open"
    assert receivers_of("locations") == ({"MSA", "MSB"} if open_ else {"MSA"})
    assert receivers_of("tokens") == ({"CPB"} if open_ else set())
    for refused in (refused_session, refused_cdr):
        assert status_of(refused) == 4000
        assert "No roaming agreement" in refused.json()["status_message"]
    assert not Session.objects.exists() and not Cdr.objects.exists()
    assert receivers_of("sessions") == receivers_of("cdrs") == set()


def test_a_direct_push_to_a_party_without_an_agreement_is_refused_and_not_stored(world, policy):
    agree(world.cpa, world.msa, "tariffs")  # no locations

    refused = put_location(world.cpa, location_of(world.cpa), **to(world.msa))
    to_msb = put_location(world.cpa, location_of(world.cpa, "LOC2"), **to(world.msb))

    assert status_of(refused) == 4000
    assert "NL*CPA" in refused.json()["status_message"]
    assert "locations" in refused.json()["status_message"]
    assert not Location.objects.filter(location_id="LOC1").exists()
    if policy == "open":
        assert status_of(to_msb) == 1000
        assert receivers_of("locations") == {"MSB"}
    else:
        assert status_of(to_msb) == 4000
        assert not Location.objects.exists()


def test_sessions_and_cdrs_of_an_allowed_pair_are_routed_in_both_policies(world, policy):
    agree(world.cpb, world.msb, "sessions", "cdrs")

    assert status_of(put_session(world.cpb, session_of(world.cpb, world.msb))) == 1000
    assert status_of(post_cdr(world.cpb, cdr_of(world.cpb, world.msb))) == 1000

    assert receivers_of("sessions") == receivers_of("cdrs") == {"MSB"}


def test_planned_or_expired_agreements_let_nothing_through(world, policy):
    past = timezone.now() - timedelta(days=1)
    agree(world.cpa, world.msa, "locations", status="PLANNED")
    agree(world.cpa, world.msb, "locations", valid_from=past - timedelta(days=30), valid_until=past)

    assert status_of(put_location(world.cpa, location_of(world.cpa))) == 1000

    assert receivers_of("locations") == set()


def test_an_agreement_starting_later_lets_nothing_through_yet(world, policy):
    agree(world.cpa, world.msa, "locations", valid_from=timezone.now() + timedelta(days=1))

    refused = put_location(world.cpa, location_of(world.cpa), **to(world.msa))

    assert status_of(refused) == 4000


def test_choosing_the_receivers_of_a_broadcast_costs_one_statement_however_many_agreements(
    world, settings, django_assert_num_queries
):
    settings.HUB_ROAMING_POLICY = "agreements"
    agree(world.cpa, world.msa, "locations")
    agree(world.cpa, world.msb, "locations")

    with django_assert_num_queries(1):  # the agreements are a condition of the receivers query
        chosen = delivery.receivers("locations", world.cpa.party, None)

    assert {party.party_id for party in chosen} == {"MSA", "MSB"}
