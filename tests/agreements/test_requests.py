"""Request/response traffic through the hub (authorize, commands, charging profiles, GET at a
receiver) is refused with 4000 between a pair that may not exchange the module."""

import pytest
import respx

from commands.models import Command, Outcome
from tests.agreements.conftest import agree, base_url, status_of, to
from tests.commands.conftest import start_session, store_session, token
from tests.servers import ocpi_ok

AUTHORIZE = "/ocpi/2.2.1/sender/tokens/TOK1/authorize"
ALLOWED = {"allowed": "ALLOWED", "token": token(country_code="DE", party_id="MSA")}


@pytest.fixture
def parties_api():
    with respx.mock(assert_all_called=False) as router:
        yield router


def authorize(world):
    return world.cpa.client.post(AUTHORIZE, **to(world.msa))


def test_authorization_needs_an_agreement_covering_tokens(world, policy, parties_api):
    route = parties_api.post(f"{base_url('msa')}/s/tokens/TOK1/authorize").respond(
        json=ocpi_ok(ALLOWED)
    )
    agree(world.cpa, world.msa, "locations")

    refused = authorize(world)
    agree(world.cpa, world.msa, "locations", "tokens")
    relayed = authorize(world)

    assert status_of(refused) == 4000
    assert "tokens" in refused.json()["status_message"]
    assert relayed.json()["data"]["allowed"] == "ALLOWED"
    assert route.call_count == 1


def test_a_command_without_an_agreement_is_refused_and_logged(world, policy, parties_api):
    route = parties_api.post(f"{base_url('cpa')}/commands/START_SESSION").respond(
        json=ocpi_ok({"result": "ACCEPTED", "timeout": 30})
    )
    agree(world.cpa, world.msa, "locations", "tokens")  # no commands
    body = start_session(token=token(country_code="DE", party_id="MSA"))

    refused = world.msa.client.post(
        "/ocpi/2.2.1/receiver/commands/START_SESSION", body, format="json", **to(world.cpa)
    )

    assert status_of(refused) == 4000
    assert route.call_count == 0
    assert Command.objects.get().outcome == Outcome.HUB_ERROR

    agree(world.cpa, world.msa, "commands")
    accepted = world.msa.client.post(
        "/ocpi/2.2.1/receiver/commands/START_SESSION", body, format="json", **to(world.cpa)
    )
    assert accepted.json()["data"]["result"] == "ACCEPTED"


def test_charging_profiles_need_an_agreement_covering_them(world, settings, parties_api):
    settings.HUB_ROAMING_POLICY = "agreements"
    store_session(("DE", "MSA"), "S1", cpo_ref=("NL", "CPA"))  # the hub routed it to DE*MSA
    route = parties_api.put(f"{base_url('cpa')}/chargingprofiles/S1").respond(
        json=ocpi_ok({"result": "ACCEPTED", "timeout": 30})
    )
    body = {
        "charging_profile": {"charging_rate_unit": "W", "charging_profile_period": []},
        "response_url": "https://msa.test/profile/result",
    }

    refused = world.msa.client.put(
        "/ocpi/2.2.1/receiver/chargingprofiles/S1", body, format="json", **to(world.cpa)
    )

    assert status_of(refused) == 4000
    assert route.call_count == 0


def test_a_cpo_reads_its_location_at_an_emsp_only_with_an_agreement(world, policy, parties_api):
    route = parties_api.get(f"{base_url('msa')}/locations/NL/CPA/LOC1").respond(
        json=ocpi_ok({"id": "LOC1"})
    )
    agree(world.cpa, world.msa, "locations", status="SUSPENDED")

    refused = world.cpa.client.get("/ocpi/2.2.1/receiver/locations/NL/CPA/LOC1", **to(world.msa))

    assert status_of(refused) == 4000
    assert route.call_count == 0
