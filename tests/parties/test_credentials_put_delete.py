"""A registered platform updates (PUT) or ends (DELETE) its registration."""

from parties.models import ConnectionStatus, Platform
from tests.conftest import announced_statuses, create_platform, ocpi_client
from tests.fake_party import FakeParty, token_header

URL = "/ocpi/2.2.1/credentials"
CLIENT_INFO = "/ocpi/2.2.1/hubclientinfo"


def registered(party, status=ConnectionStatus.CONNECTED):
    platform, token = create_platform(
        "CPO platform",
        [("NL", "CPO", "CPO")],
        endpoints={("locations", "SENDER"): f"{party.url}/old/locations"},
        status=status,
    )
    platform.client = ocpi_client(token)
    return platform, token


def test_put_rediscovers_endpoints_and_rotates_the_token(db, party_server):
    party = FakeParty(party_server)
    platform, old_token = registered(party)

    answer = platform.client.put(URL, party.credentials("token-b2"), format="json").json()

    assert answer["status_code"] == 1000
    new_token = answer["data"]["token"]
    assert new_token != old_token
    # spec: endpoints are fetched again even though the version did not change
    assert {r.headers["Authorization"] for r in party.received} == {token_header("token-b2")}
    platform = Platform.objects.get(pk=platform.pk)
    assert platform.outgoing_token == "token-b2"
    assert platform.endpoint_url("locations", "SENDER") is None
    assert platform.endpoint_url("locations", "RECEIVER").startswith(party.url)
    assert ocpi_client(old_token).get(CLIENT_INFO).status_code == 401
    assert ocpi_client(old_token).get(URL).status_code == 401
    assert ocpi_client(new_token).get(CLIENT_INFO).status_code == 200


def test_failed_put_keeps_the_old_token_and_endpoints(db, party_server):
    party = FakeParty(party_server, versions=("2.1.1",))
    platform, token = registered(party)

    answer = platform.client.put(URL, party.credentials("token-b2"), format="json").json()

    assert answer["status_code"] == 3002
    assert ocpi_client(token).get(CLIENT_INFO).status_code == 200
    platform = Platform.objects.get(pk=platform.pk)
    assert platform.outgoing_token == "hub-token-for-CPO platform"
    assert platform.endpoint_url("locations", "SENDER") == f"{party.url}/old/locations"


def test_put_brings_an_offline_platform_back(db, party_server):
    party = FakeParty(party_server)
    platform, _ = registered(party, status=ConnectionStatus.OFFLINE)
    platform.client.put(URL, party.credentials("token-b2"), format="json")
    assert Platform.objects.get(pk=platform.pk).status == ConnectionStatus.CONNECTED
    assert announced_statuses() == ["CONNECTED"]


def test_delete_unregisters(db, party_server):
    party = FakeParty(party_server)
    platform, token = registered(party)

    answer = platform.client.delete(URL).json()

    assert answer["status_code"] == 1000
    platform = Platform.objects.get(pk=platform.pk)
    assert platform.status == ConnectionStatus.SUSPENDED
    assert platform.outgoing_token == ""
    assert announced_statuses() == ["SUSPENDED"]
    assert ocpi_client(token).get(URL).status_code == 401
    assert ocpi_client(token).delete(URL).status_code == 401


def test_unregistered_platform_can_register_again_with_a_new_token_a(db, party_server):
    from parties.actions import reissue_token_a, unregister_platform

    party = FakeParty(party_server)
    platform, _ = registered(party)
    unregister_platform(platform)

    token_a = reissue_token_a(platform)
    answer = ocpi_client(token_a).post(URL, party.credentials("token-b3"), format="json").json()

    assert answer["status_code"] == 1000
    assert Platform.objects.get(pk=platform.pk).status == ConnectionStatus.CONNECTED


def test_get_returns_the_token_the_client_uses(cpo):
    answer = cpo.client.get(URL).json()
    assert answer["data"]["token"] == cpo.token
    assert [role["role"] for role in answer["data"]["roles"]] == ["HUB"]
