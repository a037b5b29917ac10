import base64

import pytest

from parties.actions import invite_platform
from parties.models import ConnectionStatus, PlatformToken, hash_token
from tests.conftest import create_platform, ocpi_client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.hub.urls")]
ECHO = "/ocpi/2.2.1/test/echo"


def test_base64_token_is_accepted(cpo):
    response = cpo.client.get(ECHO)
    assert response.status_code == 200
    assert response.json()["data"] == {"sender": "NL*CPO"}


def test_raw_token_of_older_peers_is_accepted(cpo, client):
    response = client.get(ECHO, HTTP_AUTHORIZATION=f"Token {cpo.token}")
    assert response.status_code == 200
    assert response.json()["status_code"] == 1000


def test_trailing_newline_in_decoded_token_is_ignored(cpo, client):
    # The spec's own examples Base64-encode "token\n".
    encoded = base64.b64encode(f"{cpo.token}\n".encode()).decode()
    response = client.get(ECHO, HTTP_AUTHORIZATION=f"Token {encoded}")
    assert response.status_code == 200


def test_spec_example_token_decodes_with_its_newline(db, client):
    platform, _ = create_platform("Example", [("NL", "EXA", "CPO")])
    PlatformToken.objects.create(
        platform=platform, kind=PlatformToken.Kind.ACCESS, token_hash=hash_token("example-token")
    )
    response = client.get(ECHO, HTTP_AUTHORIZATION="Token ZXhhbXBsZS10b2tlbgo=")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "", "Token", "Token unknown-token", "Bearer abc", "Token " + "x" * 300],
)
def test_missing_or_unknown_token_is_401_in_the_envelope(db, client, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.get(ECHO, **extra)
    assert response.status_code == 401
    body = response.json()
    assert body["status_code"] == 2000
    assert body["status_message"]
    assert "timestamp" in body


def test_token_a_is_refused_on_functional_modules(db, client):
    _, token_a = invite_platform("Invited", [("NL", "NEW", "CPO")])
    response = ocpi_client(token_a).get(ECHO)
    assert response.status_code == 401
    assert "Token A" in response.json()["status_message"]


def test_token_a_is_accepted_on_versions(db):
    _, token_a = invite_platform("Invited", [("NL", "NEW", "CPO")])
    client = ocpi_client(token_a)
    assert client.get("/ocpi/versions").status_code == 200
    assert client.get("/ocpi/2.2.1").status_code == 200


def test_deleted_token_is_refused(cpo):
    cpo.tokens.all().delete()
    assert cpo.client.get(ECHO).status_code == 401


def test_suspended_platform_is_refused(cpo):
    cpo.status = ConnectionStatus.SUSPENDED
    cpo.save()
    assert cpo.client.get(ECHO).status_code == 401


def test_tokens_are_stored_hashed(cpo):
    stored = cpo.tokens.get()
    assert cpo.token not in stored.token_hash
    assert len(stored.token_hash) == 64


def test_offline_platform_calling_in_is_connected_again(cpo, django_capture_on_commit_callbacks):
    cpo.status = ConnectionStatus.OFFLINE
    cpo.save()
    with django_capture_on_commit_callbacks():
        assert cpo.client.get(ECHO).status_code == 200
    cpo.refresh_from_db()
    assert cpo.status == ConnectionStatus.CONNECTED


def test_a_token_accepted_a_moment_ago_is_refused_once_revoked_or_suspended(cpo):
    """No lookup is cached: the next request after the change is refused."""
    assert cpo.client.get(ECHO).status_code == 200
    cpo.status = ConnectionStatus.SUSPENDED
    cpo.save()
    assert cpo.client.get(ECHO).status_code == 401
    cpo.status = ConnectionStatus.CONNECTED
    cpo.save()
    assert cpo.client.get(ECHO).status_code == 200
    cpo.tokens.all().delete()
    assert cpo.client.get(ECHO).status_code == 401


def test_the_token_lookup_brings_the_platform_and_its_parties_in_order(db):
    platform, token = create_platform(
        "Two parties", [("NL", "ZZZ", "CPO"), ("BE", "AAA", "EMSP"), ("NL", "ZZZ", "EMSP")]
    )
    found = PlatformToken.objects.for_token(token)
    assert found.platform.pk == platform.pk
    parties = found.platform.party_list()
    assert [(p.country_code, p.party_id, p.role) for p in parties] == [
        ("BE", "AAA", "EMSP"),
        ("NL", "ZZZ", "CPO"),
        ("NL", "ZZZ", "EMSP"),
    ]
    assert all(party.platform is found.platform for party in parties)
    assert parties[0].business_details == {"name": "Two parties"}
    assert parties[0].last_updated.tzinfo is not None
    assert PlatformToken.objects.for_token("not-a-token") is None
