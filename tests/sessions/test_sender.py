"""The hub's sessions sender: eMSPs pull their own Sessions and set charging preferences."""

from urllib.parse import urlsplit

import pytest

from parties.models import ConnectionStatus
from tests.conftest import point_at
from tests.servers import answering
from tests.sessions.conftest import CPO_URL, TOKEN, put, session

LIST = "/ocpi/2.2.1/sender/sessions"
PREFERENCES = {"profile_type": "FAST", "departure_time": "2024-01-01T18:00:00Z", "energy_need": 20}
PREFERENCES_PATH = f"{urlsplit(CPO_URL).path}/sessions/S1/charging_preferences"


@pytest.fixture
def cpo_api(world, party_server):
    """NL*CPO's sessions sender (of the world's `cpo`) on 127.0.0.1."""
    server = party_server()
    point_at(server, world.cpo)
    return server


def ids(response):
    assert response.json()["status_code"] == 1000, response.json()
    return sorted(item["id"] for item in response.json()["data"])


def pushed(world):
    put(world.cpo.client, "NL/CPO/S1", session())
    put(world.cpo.client, "NL/CPO/S2", session(id="S2", cdr_token={**TOKEN, "country_code": "FR"}))
    put(world.other_cpo.client, "BE/CPO/S3", session(country_code="BE", id="S3"))


def test_date_from_is_required(world):
    response = world.emsp.client.get(LIST)
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert response.json()["status_message"].startswith("date_from")


def test_each_party_lists_only_its_own_sessions(world):
    pushed(world)
    since = {"date_from": "2024-01-01T00:00:00Z"}
    assert ids(world.emsp.client.get(LIST, since)) == ["S1", "S3"]
    assert ids(world.other_emsp.client.get(LIST, since)) == ["S2"]
    assert ids(world.cpo.client.get(LIST, since)) == ["S1", "S2"]  # the owner sees its own
    assert ids(world.other_cpo.client.get(LIST, since)) == ["S3"]
    response = world.emsp.client.get(LIST, since)
    assert response["X-Total-Count"] == "2"
    later = {"date_from": "2024-01-01T10:00:01Z"}
    assert ids(world.emsp.client.get(LIST, later)) == []


def preferences(client, session_id="S1", body=PREFERENCES, **headers):
    return client.put(f"{LIST}/{session_id}/charging_preferences", body, format="json", **headers)


def test_charging_preferences_go_to_the_sessions_cpo_and_its_answer_comes_back(world, cpo_api):
    pushed(world)
    answer = {"status_code": 1000, "timestamp": "2024-01-01T00:00:00Z", "data": "ACCEPTED"}
    cpo_api.respond = answering((200, answer, {}))
    response = preferences(world.emsp.client, "s1", HTTP_X_CORRELATION_ID="corr-pref")
    assert response.json() == answer
    (sent,) = cpo_api.received
    assert (sent.method, sent.path) == ("PUT", PREFERENCES_PATH)
    assert sent.header("ocpi-to-party-id") == "CPO" and sent.header("ocpi-from-party-id") == "MSP"
    assert sent.header("x-correlation-id") == "corr-pref"
    assert sent.body and b'"FAST"' in sent.body


def test_a_cpo_refusal_is_relayed_unchanged(world, cpo_api):
    pushed(world)
    refusal = {"status_code": 2001, "timestamp": "2024-01-01T00:00:00Z", "status_message": "no"}
    cpo_api.respond = answering((404, refusal, {}))
    response = preferences(world.emsp.client)
    assert (response.status_code, response.json()) == (404, refusal)
    assert cpo_api.requests() == [("PUT", PREFERENCES_PATH)]


def test_only_the_sessions_emsp_may_set_preferences(world, cpo_api):
    pushed(world)
    open_routing = preferences(world.other_emsp.client)
    direct = preferences(
        world.other_emsp.client, HTTP_OCPI_TO_COUNTRY_CODE="NL", HTTP_OCPI_TO_PARTY_ID="CPO"
    )
    unknown_cpo = preferences(
        world.emsp.client, HTTP_OCPI_TO_COUNTRY_CODE="NL", HTTP_OCPI_TO_PARTY_ID="XXX"
    )
    assert open_routing.json()["status_code"] == 4001
    assert (direct.status_code, direct.json()["status_code"]) == (404, 2000)
    assert unknown_cpo.json()["status_code"] == 4001
    assert cpo_api.received == []


def test_preferences_are_validated_and_an_unreachable_cpo_is_4003(world):
    pushed(world)
    invalid = preferences(world.emsp.client, body={"profile_type": "SLOW"})
    assert invalid.json()["status_message"].startswith("profile_type:")
    world.cpo.status = ConnectionStatus.OFFLINE
    world.cpo.save()
    assert preferences(world.emsp.client).json()["status_code"] == 4003
