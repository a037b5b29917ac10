"""Credentials exchanges both ways over real HTTP, and ClientInfo pushes by a real worker.

The hub runs as pytest-django's live server (HUB_BASE_URL points at it), parties are
FakeParty servers on 127.0.0.1, and pushes are delivered by a Celery worker process.
"""

import time
from io import StringIO

import httpx
import pytest
from django.core.management import CommandError, call_command

from hub.celery import app
from parties.actions import invite_platform, rotate_credentials, suspend_platform
from parties.models import ConnectionStatus, Platform
from tests.conftest import create_platform
from tests.fake_party import FakeParty, token_header

pytestmark = pytest.mark.integration
CLIENT_INFO_PATH = "/ocpi/2.2.1/hubclientinfo/receiver"


def auth(token: str) -> dict:
    return {"Authorization": token_header(token)}


@pytest.fixture
def hub(live_server, settings):
    """The hub's base URL, reachable over HTTP by the parties."""
    settings.HUB_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def observer(transactional_db, party_server):
    """A connected eMSP platform listening for ClientInfo."""
    app.control.purge()  # tasks left queued by earlier runs concern rows that no longer exist
    party = FakeParty(party_server, roles=[("DE", "OBS", "EMSP")])
    create_platform(
        "Observer",
        [("DE", "OBS", "EMSP")],
        endpoints={("hubclientinfo", "RECEIVER"): f"{party.url}{CLIENT_INFO_PATH}"},
    )
    return party


def wait_for_client_info(party, country_code, party_id, status, timeout=30.0):
    """Wait (bounded) until the party received a ClientInfo PUT with this status."""
    path = f"{CLIENT_INFO_PATH}/{country_code}/{party_id}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for received in list(party.received):
            matches = received.method == "PUT" and received.path == path
            if matches and received.json["status"] == status:
                return received.json
        time.sleep(0.1)
    seen = [(r.path, r.json["status"]) for r in party.received if r.method == "PUT"]
    raise AssertionError(f"no ClientInfo {status} for {path}; received {seen}")


def test_party_registers_rotates_and_unregisters(
    hub, observer, party_server, celery_worker_process
):
    celery_worker_process()
    _, token_a = invite_platform("Charge Co", [("NL", "CHC", "CPO")])
    party = FakeParty(party_server, roles=[("NL", "CHC", "CPO")])

    # the party discovers the hub with Token A, as the spec's Sender does
    versions = httpx.get(f"{hub}/ocpi/versions", headers=auth(token_a)).json()["data"]
    details = httpx.get(versions[0]["url"], headers=auth(token_a)).json()["data"]
    urls = {(e["identifier"], e["role"]): e["url"] for e in details["endpoints"]}
    credentials_url = urls[("credentials", "SENDER")]
    client_info_url = urls[("hubclientinfo", "SENDER")]

    answer = httpx.post(
        credentials_url, json=party.credentials("token-b"), headers=auth(token_a), timeout=20
    ).json()
    assert answer["status_code"] == 1000, answer
    token_c = answer["data"]["token"]
    assert wait_for_client_info(observer, "NL", "CHC", "CONNECTED")["role"] == "CPO"
    listed = httpx.get(client_info_url, headers=auth(token_c)).json()["data"]
    assert [(i["party_id"], i["status"]) for i in listed] == [("OBS", "CONNECTED")]
    assert httpx.get(client_info_url, headers=auth(token_a)).status_code == 401

    # PUT: endpoints fetched again with the new party token, the hub's token rotated
    answer = httpx.put(
        credentials_url, json=party.credentials("token-b2"), headers=auth(token_c), timeout=20
    ).json()
    token_c2 = answer["data"]["token"]
    assert party.received[-1].headers["Authorization"] == token_header("token-b2")
    assert httpx.get(client_info_url, headers=auth(token_c)).status_code == 401
    assert httpx.get(client_info_url, headers=auth(token_c2)).status_code == 200

    # DELETE: unregistered, announced SUSPENDED, the token is dead
    assert httpx.delete(credentials_url, headers=auth(token_c2)).json()["status_code"] == 1000
    wait_for_client_info(observer, "NL", "CHC", "SUSPENDED")
    assert httpx.get(credentials_url, headers=auth(token_c2)).status_code == 401


def test_hub_registers_at_party_rotates_and_suspends(
    hub, observer, party_server, celery_worker_process
):
    celery_worker_process()
    party = FakeParty(
        party_server, roles=[("NL", "EXA", "CPO"), ("NL", "EXA", "EMSP")], call_back_hub=True
    )
    output = StringIO()

    call_command(
        "register_at_party",
        party.versions_url,
        "party-token-a",
        "--name",
        "Example",
        "--party",
        "NL:EXA:CPO",
        "--party",
        "NL:EXA:EMSP",
        stdout=output,
    )

    assert [(r.method, r.path) for r in party.received[:3]] == [
        ("GET", "/ocpi/versions"),
        ("GET", "/ocpi/2.2.1"),
        ("POST", "/ocpi/2.2.1/credentials/sender"),
    ]
    assert {r.headers["Authorization"] for r in party.received[:3]} == {
        token_header("party-token-a")
    }
    # the party called the hub's versions with its new token while the POST was open
    callback = party.callbacks[0]
    assert callback.status_code == 200 and callback.json()["status_code"] == 1000
    platform = Platform.objects.get(name="Example")
    assert platform.status == ConnectionStatus.CONNECTED
    assert platform.outgoing_token == party.issued[0]
    assert sorted(platform.parties.values_list("role", flat=True)) == ["CPO", "EMSP"]
    assert "Registered: roles NL*EXA CPO, NL*EXA EMSP" in output.getvalue()
    wait_for_client_info(observer, "NL", "EXA", "CONNECTED")

    # the admin rotates the credentials: a PUT with the token the party gave the hub
    outcome = rotate_credentials(platform)
    assert outcome.ok, outcome.steps
    put = party.requests("PUT", "/ocpi/2.2.1/credentials")[0]
    assert put.headers["Authorization"] == token_header(party.issued[0])
    assert Platform.objects.get(pk=platform.pk).outgoing_token == party.issued[1]
    old_hub_token, new_hub_token = party.hub_tokens
    assert httpx.get(f"{hub}/ocpi/versions", headers=auth(old_hub_token)).status_code == 401
    assert httpx.get(f"{hub}/ocpi/versions", headers=auth(new_hub_token)).status_code == 200

    suspend_platform(platform)
    wait_for_client_info(observer, "NL", "EXA", "SUSPENDED")


def test_register_at_party_without_common_version_sends_nothing(
    hub, transactional_db, party_server
):
    party = FakeParty(party_server, versions=("2.1.1",))
    output = StringIO()
    with pytest.raises(CommandError):
        call_command("register_at_party", party.versions_url, "party-token-a", stdout=output)
    assert "No common version" in output.getvalue()
    assert party.requests("POST", "/") == []
    assert not Platform.objects.exists()


def test_register_at_party_refused_by_the_party_revokes_the_hubs_token(
    hub, transactional_db, party_server
):
    party = FakeParty(party_server)
    party.server.respond = lambda received: (
        (405, {"status_code": 2000, "timestamp": "2024-01-01T00:00:00Z"}, {})
        if received.method == "POST"
        else party.respond(received)
    )
    output = StringIO()
    with pytest.raises(CommandError):
        call_command("register_at_party", party.versions_url, "party-token-a", stdout=output)
    assert "FAILED: the party refused the credentials: HTTP 405" in output.getvalue()
    platform = Platform.objects.get()
    assert platform.status == ConnectionStatus.PLANNED
    assert not platform.tokens.exists()
    assert "failed" in platform.registration_note


def test_silent_platform_is_announced_offline_then_connected(
    observer, party_server, celery_worker_process
):
    party = FakeParty(party_server)
    platform, _ = create_platform("Quiet", [("NL", "QUI", "CPO")])
    Platform.objects.filter(pk=platform.pk).update(versions_url=party.versions_url)
    party.server.stop()

    celery_worker_process(
        beat=True,
        extra_env={
            "HUB_STILL_ALIVE_INTERVAL": "1",
            "HUB_STILL_ALIVE_SILENCE": "0",
        },
    )

    wait_for_client_info(observer, "NL", "QUI", "OFFLINE")
    assert Platform.objects.get(pk=platform.pk).status == ConnectionStatus.OFFLINE
    party.server.start()
    wait_for_client_info(observer, "NL", "QUI", "CONNECTED")


def test_admin_registers_at_party_and_sees_each_step(
    hub, transactional_db, admin_client, party_server
):
    from django.urls import reverse

    party = FakeParty(party_server, call_back_hub=True)
    page = admin_client.post(
        reverse("admin:parties_platform_register"),
        {
            "versions_url": party.versions_url,
            "token_a": "party-token-a",
            "name": "Via admin",
            "parties": "NL:CPO:CPO",
        },
    ).content.decode()

    assert "Registered: roles NL*CPO CPO; platform Via admin is CONNECTED" in page
    assert "party-token-a" not in page and party.issued[0] not in page
    assert party.callbacks[0].status_code == 200
    assert Platform.objects.get(name="Via admin").status == ConnectionStatus.CONNECTED
