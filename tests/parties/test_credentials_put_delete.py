"""A registered platform updates (PUT) or ends (DELETE) its registration."""

from hub.models import Message
from parties.models import ConnectionStatus, Party, Platform
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


def test_put_brings_an_offline_platform_back(client_info_listener, db, party_server):
    party = FakeParty(party_server)
    platform, _ = registered(party, status=ConnectionStatus.OFFLINE)
    platform.client.put(URL, party.credentials("token-b2"), format="json")
    assert Platform.objects.get(pk=platform.pk).status == ConnectionStatus.CONNECTED
    assert announced_statuses() == ["CONNECTED"]


def test_delete_unregisters(client_info_listener, db, party_server):
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


def test_put_dropping_a_role_with_history_ends_it(db, party_server):
    party = FakeParty(party_server)  # its credentials name NL*CPO only
    platform, _ = registered(party)
    extra = Party.objects.create(platform=platform, country_code="NL", party_id="CP2", role="CPO")
    Message.objects.create(
        module="locations", method="PUT", owner_country_code="NL", owner_party_id="CP2",
        object_id="LOC1", body=b"{}", sender=extra,
    )  # fmt: skip

    answer = platform.client.put(URL, party.credentials("token-b2"), format="json").json()

    assert answer["status_code"] == 1000
    assert Party.objects.get(pk=extra.pk).archived_at is not None  # ended, its history kept
    assert list(Party.objects.live().filter(platform=platform)) == [platform.parties.live().get()]
