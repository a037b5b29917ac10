"""The hub as receiver of a registration: a party POSTs its credentials with Token A."""

import pytest
from django.test import override_settings

from hub.endpoints import versions_url
from parties.actions import invite_platform
from parties.models import ConnectionStatus, Platform
from tests.conftest import announced_statuses, ocpi_client
from tests.fake_party import FakeParty, token_header

URL = "/ocpi/2.2.1/credentials"


@pytest.fixture
def invited(db):
    platform, token_a = invite_platform("CPO platform", [("NL", "CPO", "CPO")])
    platform.token_a = token_a
    platform.client = ocpi_client(token_a)
    return platform


def test_registration_stores_the_party_and_answers_the_hubs_credentials(
    client_info_listener, invited, party_server, settings
):
    party = FakeParty(party_server)
    response = invited.client.post(URL, party.credentials("token-b"), format="json")

    body = response.json()
    assert response.status_code == 200 and body["status_code"] == 1000, body
    assert body["data"]["url"] == versions_url()
    assert body["data"]["roles"] == [
        {
            "role": "HUB",
            "party_id": settings.HUB_PARTY_ID,
            "country_code": settings.HUB_COUNTRY_CODE,
            "business_details": {"name": settings.HUB_NAME},
        }
    ]
    # the hub called the party back with the party's token, never with Token A
    assert [(r.method, r.path) for r in party.received] == [
        ("GET", "/ocpi/versions"),
        ("GET", "/ocpi/2.2.1"),
    ]
    assert {r.headers["Authorization"] for r in party.received} == {token_header("token-b")}
    platform = Platform.objects.get(pk=invited.pk)
    assert platform.status == ConnectionStatus.CONNECTED
    assert platform.outgoing_token == "token-b"
    assert platform.version == "2.2.1"
    assert platform.endpoint_url("hubclientinfo", "RECEIVER") == (
        f"{party.url}/ocpi/2.2.1/hubclientinfo/receiver"
    )
    assert platform.parties.get().business_details == {"name": "Example"}
    assert "POST credentials accepted" in platform.registration_note
    assert announced_statuses() == ["PLANNED", "CONNECTED"]  # invited, then registered


def test_token_a_stops_working_and_token_c_works(invited, party_server):
    party = FakeParty(party_server)
    token_c = invited.client.post(URL, party.credentials("token-b"), format="json").json()["data"][
        "token"
    ]

    assert invited.client.get(URL).status_code == 401
    assert invited.client.post(URL, party.credentials("b2"), format="json").status_code == 401
    answer = ocpi_client(token_c).get(URL).json()
    assert answer["status_code"] == 1000 and answer["data"]["token"] == token_c


def test_token_a_may_read_the_hubs_credentials_before_registering(invited):
    answer = invited.client.get(URL).json()
    assert answer["data"]["token"] == invited.token_a


def test_party_not_answering_gets_3001_and_may_retry_with_token_a(invited, party_server):
    party = FakeParty(party_server)
    party.server.stop()

    answer = invited.client.post(URL, party.credentials("token-b"), format="json").json()

    assert answer["status_code"] == 3001
    assert party.versions_url in answer["status_message"]
    platform = Platform.objects.get(pk=invited.pk)
    assert platform.status == ConnectionStatus.PLANNED
    assert platform.outgoing_token == "" and not platform.endpoints.exists()
    assert "3001" in platform.registration_note
    # Token A stays valid after a failed POST, so the platform can retry (the spec is silent)
    party.server.start()
    assert (
        invited.client.post(URL, party.credentials("token-b"), format="json").json()["status_code"]
        == 1000
    )


def test_no_common_version_gets_3002(invited, party_server):
    party = FakeParty(party_server, versions=("2.1.1", "2.2"))
    answer = invited.client.post(URL, party.credentials("token-b"), format="json").json()
    assert answer["status_code"] == 3002
    assert "2.1.1, 2.2" in answer["status_message"]
    assert Platform.objects.get(pk=invited.pk).status == ConnectionStatus.PLANNED


def test_nothing_usable_advertised_gets_3003(invited, party_server):
    party = FakeParty(party_server, modules=())
    answer = invited.client.post(URL, party.credentials("token-b"), format="json").json()
    assert answer["status_code"] == 3003
    assert not Platform.objects.get(pk=invited.pk).endpoints.exists()


@override_settings(HUB_REQUIRED_MODULES=["credentials", "CPO:cdrs", "EMSP:tokens"])
def test_required_modules_are_configurable_per_role(invited, party_server):
    party = FakeParty(party_server)  # a CPO without cdrs
    answer = invited.client.post(URL, party.credentials("token-b"), format="json").json()
    assert answer["status_code"] == 3003
    assert answer["status_message"] == "Required endpoints not advertised: cdrs (for CPO)"


def test_role_outside_the_invitation_is_refused_and_nothing_is_called(invited, party_server):
    party = FakeParty(party_server, roles=[("NL", "CPO", "CPO"), ("NL", "CPO", "EMSP")])
    answer = invited.client.post(URL, party.credentials("token-b"), format="json").json()
    assert answer["status_code"] == 2001
    assert answer["status_message"].startswith("roles[1]: NL*CPO EMSP is not among")
    assert party.received == []
    assert Platform.objects.get(pk=invited.pk).status == ConnectionStatus.PLANNED


def test_role_of_another_platform_is_refused(cpo, party_server):
    _, token_a = invite_platform("Other", [("DE", "ABC", "CPO")])
    party = FakeParty(party_server, roles=[("nl", "cpo", "CPO")])
    answer = ocpi_client(token_a).post(URL, party.credentials("b"), format="json").json()
    assert answer["status_code"] == 2001
    assert "NL*CPO CPO is registered by another platform" in answer["status_message"]


def test_invalid_body_gets_2001_naming_the_field(invited):
    answer = invited.client.post(
        URL, {"token": "has space", "url": "https://x.example/v", "roles": []}, format="json"
    ).json()
    assert answer["status_code"] == 2001
    assert "token:" in answer["status_message"] and "roles:" in answer["status_message"]


def test_post_when_registered_is_405(cpo, party_server):
    party = FakeParty(party_server)
    response = cpo.client.post(URL, party.credentials("token-b"), format="json")
    assert response.status_code == 405
    assert party.received == []


def test_put_and_delete_before_registering_are_405(invited, party_server):
    party = FakeParty(party_server)
    assert invited.client.put(URL, party.credentials("b"), format="json").status_code == 405
    assert invited.client.delete(URL).status_code == 405
    assert Platform.objects.get(pk=invited.pk).status == ConnectionStatus.PLANNED


def test_patch_is_405(cpo):
    assert cpo.client.patch(URL, {}, format="json").status_code == 405


def test_unknown_token_is_401(db):
    assert ocpi_client("nope").get(URL).status_code == 401
    assert ocpi_client(None).get(URL).status_code == 401


def test_a_token_a_consumed_by_a_concurrent_exchange_is_refused(invited, party_server):
    from hub.exceptions import OCPIError
    from parties.actions import accept_credentials
    from parties.serializers import validate_credentials

    party = FakeParty(party_server)
    token_a = invited.tokens.get()
    invited.client.post(URL, party.credentials("token-b"), format="json")  # the first one wins

    with pytest.raises(OCPIError) as refused:
        accept_credentials(
            invited,
            validate_credentials(party.credentials("token-b2")),
            method="POST",
            presented=token_a,
        )
    assert refused.value.http_status == 401
    assert Platform.objects.get(pk=invited.pk).outgoing_token == "token-b"
