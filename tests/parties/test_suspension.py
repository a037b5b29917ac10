"""A suspension holds: no token gets around it, no registration lifts it, and a rotation that
times out leaves the party a token that works."""

import time

from django.db import connection

from parties.actions import (
    invite_platform,
    register_at_party,
    reinstate_platform,
    rotate_credentials,
    suspend_platform,
)
from parties.models import ConnectionStatus, Platform
from tests.conftest import create_platform, ocpi_client
from tests.fake_party import FakeParty
from tests.servers import ocpi_ok

URL = "/ocpi/2.2.1/credentials"


def status_of(platform) -> str:
    return Platform.objects.get(pk=platform.pk).status


def test_suspended_platform_cannot_register_with_an_unused_token_a(db, party_server):
    party = FakeParty(party_server)
    platform, token_a = invite_platform("CPO platform", [("NL", "CPO", "CPO")])
    suspend_platform(platform)

    response = ocpi_client(token_a).post(URL, party.credentials("token-b"), format="json")

    assert response.status_code == 401
    assert party.received == []
    assert status_of(platform) == ConnectionStatus.SUSPENDED


def test_token_a_works_again_once_reinstated(db, party_server):
    party = FakeParty(party_server)
    platform, token_a = invite_platform("CPO platform", [("NL", "CPO", "CPO")])
    suspend_platform(platform)
    reinstate_platform(platform)

    response = ocpi_client(token_a).post(URL, party.credentials("token-b"), format="json")

    assert response.json()["status_code"] == 1000
    assert status_of(platform) == ConnectionStatus.CONNECTED


def test_suspension_during_the_exchange_is_not_lifted(transactional_db, party_server):
    platform, token_a = invite_platform("CPO platform", [("NL", "CPO", "CPO")])

    class SuspendedMeanwhile(FakeParty):
        def respond(self, received):
            if received.path == "/ocpi/versions":
                # the admin suspends while the hub fetches the endpoints
                Platform.objects.filter(pk=platform.pk).update(status=ConnectionStatus.SUSPENDED)
                connection.close()  # this server thread's own connection
            return super().respond(received)

    party = SuspendedMeanwhile(party_server)
    response = ocpi_client(token_a).post(URL, party.credentials("token-b"), format="json")

    assert response.json()["status_code"] != 1000
    assert status_of(platform) == ConnectionStatus.SUSPENDED
    assert Platform.objects.get(pk=platform.pk).outgoing_token == ""


def test_hub_does_not_register_at_a_suspended_platform(transactional_db, party_server):
    party = FakeParty(party_server)
    platform = Platform.objects.create(
        name="CPO", versions_url=party.versions_url, status=ConnectionStatus.SUSPENDED
    )
    outcome = register_at_party(party.versions_url, "party-token-a")
    assert not outcome.ok
    assert "suspended" in outcome.steps[-1]
    assert party.received == []
    assert status_of(platform) == ConnectionStatus.SUSPENDED


def test_rotation_that_times_out_keeps_the_token_the_party_may_use(
    transactional_db, party_server, settings
):
    settings.OCPI_REQUEST_TIMEOUT = 0.5

    def slow_put(received):
        if received.method == "PUT":
            time.sleep(1.0)  # stores the new token, but answers too late
        return 200, ocpi_ok(), {}

    server = party_server(slow_put)
    platform, old_token = create_platform(
        "CPO platform",
        [("NL", "CPO", "CPO")],
        endpoints={("credentials", "SENDER"): f"{server.url}/credentials"},
    )

    outcome = rotate_credentials(platform)

    assert not outcome.ok
    (put,) = server.wait_for(1, method="PUT")
    new_token = put.json["token"]
    assert ocpi_client(new_token).get(URL).status_code == 200
    assert ocpi_client(old_token).get(URL).status_code == 200
    assert "both" in outcome.steps[-1]
