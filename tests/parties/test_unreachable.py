"""What a registering party is told when the hub cannot reach its URLs: "unreachable", never
network detail (which the admin sees in the platform's registration note)."""

import pytest

from parties.actions import invite_platform
from parties.models import Platform
from tests.conftest import ocpi_client
from tests.fake_party import FakeParty


@pytest.fixture
def invited(db):
    platform, token_a = invite_platform("CPO platform", [("NL", "CPO", "CPO")])
    platform.client = ocpi_client(token_a)
    return platform


def register(invited, versions_url):
    credentials = {
        "token": "token-b",
        "url": versions_url,
        "roles": [
            {
                "role": "CPO",
                "party_id": "CPO",
                "country_code": "NL",
                "business_details": {"name": "Example"},
            }
        ],
    }
    return invited.client.post("/ocpi/2.2.1/credentials", credentials, format="json")


def test_private_versions_url_is_unreachable_without_detail(invited, settings):
    settings.HUB_OUTBOUND_ALLOW = []
    response = register(invited, "http://10.0.0.7:6379/ocpi/versions")
    body = response.json()
    assert body["status_code"] == 3001
    assert "unreachable" in body["status_message"]
    assert "10.0.0.7 resolves" not in body["status_message"]
    assert "HUB_OUTBOUND_ALLOW" not in body["status_message"]
    note = Platform.objects.get(pk=invited.pk).registration_note
    assert "HUB_OUTBOUND_ALLOW" in note  # the admin sees why


def test_closed_port_is_unreachable_without_the_connection_error(invited):
    closed = register(invited, "http://127.0.0.1:1/ocpi/versions").json()
    assert closed["status_message"] == "GET http://127.0.0.1:1/ocpi/versions: unreachable"
    assert "refused" in Platform.objects.get(pk=invited.pk).registration_note.lower()


def test_credentials_url_with_fragment_is_refused_naming_the_field(invited, party_server):
    server = party_server()
    response = register(invited, f"{server.url}/internal#")
    assert response.json()["status_code"] == 2001
    assert "url" in response.json()["status_message"]
    assert server.received == []


@pytest.mark.parametrize("url", ["http://[", "http://cpo.test:port/versions"])
def test_unparsable_credentials_url_is_2001(invited, url):
    response = register(invited, url)
    assert response.status_code == 200
    assert response.json()["status_code"] == 2001
    assert "url:" in response.json()["status_message"]


def test_endpoint_urls_the_hub_will_not_call_are_not_stored(invited, party_server):
    class BadEndpoints(FakeParty):
        def respond(self, received):
            answer = super().respond(received)
            if received.path == "/ocpi/2.2.1":
                body = answer[1]
                body["data"]["endpoints"] += [
                    {"identifier": "tariffs", "role": "RECEIVER", "url": "http://cpo.test:port/t"},
                    {"identifier": "tokens", "role": "RECEIVER", "url": "http://[/tokens"},
                    {"identifier": "sessions", "role": "RECEIVER", "url": f"{self.url}/s#"},
                ]
            return answer

    party = BadEndpoints(party_server)
    response = invited.client.post("/ocpi/2.2.1/credentials", party.credentials("b"), format="json")
    assert response.json()["status_code"] == 1000
    platform = Platform.objects.get(pk=invited.pk)
    assert platform.endpoint_url("locations", "RECEIVER") is not None
    for module in ("tariffs", "tokens", "sessions"):
        assert platform.endpoint_url(module, "RECEIVER") is None
