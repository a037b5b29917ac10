"""An agreement that starts allowing Locations and Tariffs sends the current ones at once."""

import json
from datetime import timedelta

from django.utils import timezone

from agreements.actions import replay_started_agreements
from agreements.models import Agreement
from hub.models import Delivery
from tests.agreements.conftest import (
    agree,
    location_of,
    put_location,
    put_tariff,
    put_token,
    status_of,
    tariff_of,
    to,
    token_of,
)


def functional_deliveries(party):
    """Deliveries to `party` of the functional modules (ClientInfo pushes left out)."""
    return Delivery.objects.filter(receiver=party).exclude(message__module="hubclientinfo")


def replayed_to(party) -> list[tuple[str, str, str, dict]]:
    deliveries = functional_deliveries(party).select_related("message")
    return sorted(
        (
            d.message.module,
            d.message.method,
            "/".join(d.message.segments),
            json.loads(d.message.body),
        )
        for d in deliveries
    )


def test_activation_replays_the_current_locations_and_tariffs_shared_with_the_emsp(world, settings):
    settings.HUB_ROAMING_POLICY = "agreements"
    first, current = location_of(world.cpa), location_of(world.cpa)
    current["city"] = "Amersfoort"
    put_location(world.cpa, first)
    put_location(world.cpa, current)  # the replay sends this version
    put_location(
        world.cpa, location_of(world.cpa, "LOC2"), **to(world.msb)
    )  # refused: no agreement
    assert status_of(put_tariff(world.cpa, tariff_of(world.cpa))) == 1000
    assert replayed_to(world.msa.party) == []

    agree(world.cpa, world.msa, "locations", "tariffs")

    assert replayed_to(world.msa.party) == [
        ("locations", "PUT", "LOC1", current),
        ("tariffs", "PUT", "T1", tariff_of(world.cpa)),
    ]
    assert replayed_to(world.msb.party) == []


def test_only_what_is_newly_allowed_is_replayed(world, settings):
    settings.HUB_ROAMING_POLICY = "open"
    put_location(world.cpa, location_of(world.cpa))
    put_tariff(world.cpa, tariff_of(world.cpa))
    put_location(world.cpa, location_of(world.cpa, "LOC2"), **to(world.msb))
    before = functional_deliveries(world.msa.party).count()
    assert before == 2  # LOC1 and T1: broadcast; LOC2 went to MSB only

    agree(world.cpa, world.msa, "locations", "tariffs")  # open: they were allowed already
    agree(world.cpa, world.msa, "tariffs")  # Locations stop
    assert functional_deliveries(world.msa.party).count() == before

    agree(world.cpa, world.msa, "locations", "tariffs")  # Locations again: LOC1 only

    newest = functional_deliveries(world.msa.party).latest("pk").message
    assert (newest.module, newest.segments) == ("locations", ["LOC1"])
    assert functional_deliveries(world.msa.party).count() == before + 1


def test_activation_sends_the_cpo_the_emsps_current_tokens(world, settings):
    settings.HUB_ROAMING_POLICY = "agreements"
    assert status_of(put_token(world.msa, token_of(world.msa))) == 1000

    agree(world.cpa, world.msa, "tokens")

    ((module, method, path, body),) = replayed_to(world.cpa.party)
    assert (module, method, path, body) == ("tokens", "PUT", "TOK1", token_of(world.msa))
    message = functional_deliveries(world.cpa.party).get().message
    assert message.object_id == "TOK1:RFID"  # pushed with ?type=RFID


def test_an_agreement_starting_later_replays_when_its_validity_begins(world, settings):
    settings.HUB_ROAMING_POLICY = "agreements"
    put_location(world.cpa, location_of(world.cpa))
    agreement = agree(
        world.cpa, world.msa, "locations", valid_from=timezone.now() + timedelta(hours=1)
    )
    assert replay_started_agreements() == 0
    assert replayed_to(world.msa.party) == []

    # An hour later (the validity is moved instead of the clock):
    Agreement.objects.filter(pk=agreement.pk).update(valid_from=timezone.now())
    assert replay_started_agreements() == 1
    assert replay_started_agreements() == 0  # once

    assert replayed_to(world.msa.party) == [("locations", "PUT", "LOC1", location_of(world.cpa))]
