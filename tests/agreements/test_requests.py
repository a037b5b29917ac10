"""Request/response traffic through the hub (authorize, commands, charging profiles, GET at a
receiver) is refused with 4000 between a pair that may not exchange the module."""

from types import SimpleNamespace

import pytest

from commands.models import Command, Outcome
from tests.agreements.conftest import agree, status_of, to
from tests.commands.conftest import start_session, store_session, token
from tests.conftest import point_at
from tests.servers import answering, ocpi_ok

AUTHORIZE = "/ocpi/2.2.1/sender/tokens/TOK1/authorize"
ALLOWED = {"allowed": "ALLOWED", "token": token(country_code="DE", party_id="MSA")}


@pytest.fixture
def parties_api(world, party_server):
    """NL*CPA and DE*MSA on servers of their own (`.cpa`, `.msa`), answering 1000."""
    servers = SimpleNamespace(cpa=party_server(), msa=party_server())
    point_at(servers.cpa, world.cpa.platform)
    point_at(servers.msa, world.msa.platform)
    return servers


def authorize(world):
    return world.cpa.client.post(AUTHORIZE, **to(world.msa))


def test_authorization_needs_an_agreement_covering_tokens(world, policy, parties_api):
    parties_api.msa.respond = answering((200, ocpi_ok(ALLOWED), {}))
    agree(world.cpa, world.msa, "locations")

    refused = authorize(world)
    agree(world.cpa, world.msa, "locations", "tokens")
    relayed = authorize(world)

    assert status_of(refused) == 4000
    assert "tokens" in refused.json()["status_message"]
    assert relayed.json()["data"]["allowed"] == "ALLOWED"
    assert parties_api.msa.requests(query=False) == [
        ("POST", "/ocpi/2.2.1/s/tokens/TOK1/authorize")
    ]


def test_a_command_without_an_agreement_is_refused_and_logged(world, policy, parties_api):
    parties_api.cpa.respond = answering((200, ocpi_ok({"result": "ACCEPTED", "timeout": 30}), {}))
    agree(world.cpa, world.msa, "locations", "tokens")  # no commands
    body = start_session(token=token(country_code="DE", party_id="MSA"))

    refused = world.msa.client.post(
        "/ocpi/2.2.1/receiver/commands/START_SESSION", body, format="json", **to(world.cpa)
    )

    assert status_of(refused) == 4000
    assert parties_api.cpa.received == []
    assert Command.objects.get().outcome == Outcome.HUB_ERROR

    agree(world.cpa, world.msa, "commands")
    accepted = world.msa.client.post(
        "/ocpi/2.2.1/receiver/commands/START_SESSION", body, format="json", **to(world.cpa)
    )
    assert accepted.json()["data"]["result"] == "ACCEPTED"
    assert parties_api.cpa.requests(query=False) == [("POST", "/ocpi/2.2.1/commands/START_SESSION")]


def test_charging_profiles_need_an_agreement_covering_them(world, settings, parties_api):
    settings.HUB_ROAMING_POLICY = "agreements"
    store_session(("DE", "MSA"), "S1", cpo_ref=("NL", "CPA"))  # the hub routed it to DE*MSA
    parties_api.cpa.respond = answering((200, ocpi_ok({"result": "ACCEPTED", "timeout": 30}), {}))
    body = {
        "charging_profile": {"charging_rate_unit": "W", "charging_profile_period": []},
        "response_url": "https://msa.test/profile/result",
    }

    refused = world.msa.client.put(
        "/ocpi/2.2.1/receiver/chargingprofiles/S1", body, format="json", **to(world.cpa)
    )

    assert status_of(refused) == 4000
    assert parties_api.cpa.received == []


def test_a_cpo_reads_its_location_at_an_emsp_only_with_an_agreement(world, policy, parties_api):
    parties_api.msa.respond = answering((200, ocpi_ok({"id": "LOC1"}), {}))
    agree(world.cpa, world.msa, "locations", status="SUSPENDED")

    refused = world.cpa.client.get("/ocpi/2.2.1/receiver/locations/NL/CPA/LOC1", **to(world.msa))

    assert status_of(refused) == 4000
    assert parties_api.msa.received == []
