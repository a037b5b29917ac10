"""GET All and GET of one object via the hub show only what the pair's agreement allows."""

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
from tests.conftest import point_at
from tests.servers import answering

LOCATIONS = "/ocpi/2.2.1/sender/locations"
TARIFFS = "/ocpi/2.2.1/sender/tariffs"
TOKENS = "/ocpi/2.2.1/sender/tokens"


def ids(response, field="id") -> list[tuple[str, str]]:
    return sorted((item["party_id"], item[field]) for item in response.json()["data"])


def stored(world):
    for cpo in (world.cpa, world.cpb):
        assert status_of(put_location(cpo, location_of(cpo))) == 1000
        assert status_of(put_tariff(cpo, tariff_of(cpo))) == 1000


def test_get_all_follows_the_agreements(world, policy):
    stored(world)
    agree(world.cpa, world.msa, "tariffs")  # Tariffs, no Locations

    locations = world.msa.client.get(LOCATIONS)
    tariffs = world.msa.client.get(TARIFFS)

    if policy == "open":  # CPB has no agreement with MSA: open
        assert ids(locations) == [("CPB", "LOC1")]
        assert ids(tariffs) == [("CPA", "T1"), ("CPB", "T1")]
    else:
        assert ids(locations) == []
        assert ids(tariffs) == [("CPA", "T1")]
    assert locations["X-Total-Count"] == str(len(ids(locations)))


def test_a_direct_get_all_without_an_agreement_is_refused(world, policy, party_server):
    stored(world)
    agree(world.cpa, world.msa, "tariffs")
    cpas_answer = {"status_code": 1000, "timestamp": "2024-01-01T00:00:00Z", "data": []}
    cpa = party_server(answering((200, cpas_answer, {})))
    point_at(cpa, world.cpa.platform)

    refused = world.msa.client.get(LOCATIONS, **to(world.cpa))
    allowed = world.msa.client.get(TARIFFS, **to(world.cpa))  # forwarded to the CPO

    assert status_of(refused) == 4000
    assert "No roaming agreement" in refused.json()["status_message"]
    assert allowed.json() == cpas_answer
    assert cpa.requests(query=False) == [("GET", "/ocpi/2.2.1/s/tariffs")]


def test_get_of_one_location_follows_the_agreement(world, policy, party_server):
    stored(world)
    agree(world.cpa, world.msa, "tariffs")
    agree(world.cpb, world.msa, "locations")
    evse = {"status_code": 1000, "timestamp": "2024-01-01T00:00:00Z", "data": {"uid": "EVSE1"}}
    cpa, cpb = party_server(), party_server(answering((200, evse, {})))
    point_at(cpa, world.cpa.platform)
    point_at(cpb, world.cpb.platform)

    direct = world.msa.client.get(f"{LOCATIONS}/LOC1", **to(world.cpa))
    allowed = world.msa.client.get(f"{LOCATIONS}/LOC1/EVSE1", **to(world.cpb))
    # Without OCPI-to the hub finds the only CPO whose LOC1 MSA may read.
    open_routed = world.msa.client.get(f"{LOCATIONS}/LOC1")

    assert status_of(direct) == 4000
    assert cpa.received == []
    assert allowed.json()["data"]["uid"] == "EVSE1"
    assert cpb.requests(query=False) == [("GET", "/ocpi/2.2.1/s/locations/LOC1/EVSE1")]
    assert open_routed.json()["data"]["party_id"] == "CPB"


def test_an_unreadable_location_is_unknown_to_open_routing(world, settings):
    settings.HUB_ROAMING_POLICY = "agreements"
    put_location(world.cpa, location_of(world.cpa))

    response = world.msa.client.get(f"{LOCATIONS}/LOC1")

    assert response.status_code == 404
    assert status_of(response) == 2003


def test_locations_and_tariffs_pushed_to_one_party_are_visible_to_that_party_only(world, policy):
    if policy == "agreements":
        for emsp in (world.msa, world.msb):
            agree(world.cpa, emsp, "locations", "tariffs")
    assert status_of(put_location(world.cpa, location_of(world.cpa), **to(world.msa))) == 1000
    assert status_of(put_tariff(world.cpa, tariff_of(world.cpa), **to(world.msa))) == 1000

    assert ids(world.msa.client.get(LOCATIONS)) == [("CPA", "LOC1")]
    assert ids(world.msa.client.get(TARIFFS)) == [("CPA", "T1")]
    assert ids(world.msb.client.get(LOCATIONS)) == []
    assert ids(world.msb.client.get(TARIFFS)) == []
    assert status_of(world.msb.client.get(f"{LOCATIONS}/LOC1")) == 2003

    put_location(world.cpa, location_of(world.cpa))  # broadcast once: shared with everyone

    assert ids(world.msb.client.get(LOCATIONS)) == [("CPA", "LOC1")]


def test_a_cpo_pulls_the_tokens_of_emsps_it_may_exchange_tokens_with(world, policy):
    for emsp in (world.msa, world.msb):
        assert status_of(put_token(emsp, token_of(emsp))) == 1000
    agree(world.cpa, world.msa, "tokens")
    agree(world.cpa, world.msb, "locations")

    assert ids(world.cpa.client.get(TOKENS), "uid") == [("MSA", "TOK1")]
    cpb_sees = ids(world.cpb.client.get(TOKENS), "uid")
    assert cpb_sees == ([("MSA", "TOK1"), ("MSB", "TOK1")] if policy == "open" else [])


def test_a_platform_reads_what_any_of_its_parties_may_read(world, settings):
    settings.HUB_ROAMING_POLICY = "open"
    platform = world.msa.platform
    platform.parties.create(country_code="DE", party_id="MSC", role="EMSP")
    stored(world)
    agree(world.cpa, world.msa, "tariffs")  # DE*MSA takes no Locations of CPA; DE*MSC may

    whole_platform = world.msa.client.get(LOCATIONS)
    as_msa = world.msa.client.get(
        LOCATIONS, HTTP_OCPI_FROM_COUNTRY_CODE="DE", HTTP_OCPI_FROM_PARTY_ID="MSA"
    )

    assert ids(whole_platform) == [("CPA", "LOC1"), ("CPB", "LOC1")]
    assert ids(as_msa) == [("CPB", "LOC1")]
