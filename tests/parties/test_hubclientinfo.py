"""The hub's HubClientInfo sender interface and the ClientInfo push."""

from datetime import UTC, datetime

from parties.actions import invite_platform, suspend_platform
from parties.models import ConnectionStatus, Party
from parties.tasks import push_client_info
from tests.conftest import create_platform, ocpi_client

URL = "/ocpi/2.2.1/hubclientinfo"


def test_lists_the_other_platforms_parties_with_their_status(cpo, emsp):
    invite_platform("Planned", [("BE", "NEW", "EMSP")])

    response = cpo.client.get(URL)

    body = response.json()
    assert body["status_code"] == 1000
    infos = {(i["country_code"], i["party_id"], i["role"], i["status"]) for i in body["data"]}
    assert infos == {("DE", "MSP", "EMSP", "CONNECTED"), ("BE", "NEW", "EMSP", "PLANNED")}
    assert set(body["data"][0]) == {"party_id", "country_code", "role", "status", "last_updated"}
    assert response["X-Total-Count"] == "2"
    assert "OCPI-from-party-id" not in response.headers  # configuration module: no routing


def test_is_paginated_and_filtered_on_last_updated(cpo, emsp, settings):
    settings.OCPI_PAGE_MAX_LIMIT = 1
    create_platform("Second eMSP", [("FR", "MSP", "EMSP")])
    Party.objects.filter(party_id="MSP", country_code="DE").update(
        last_updated=datetime(2020, 1, 1, tzinfo=UTC)
    )

    first = cpo.client.get(URL)
    assert first["X-Total-Count"] == "2" and first["X-Limit"] == "1"
    assert 'rel="next"' in first["Link"]
    recent = cpo.client.get(URL, {"date_from": "2021-01-01T00:00:00Z"}).json()["data"]
    assert [i["country_code"] for i in recent] == ["FR"]


def test_token_a_is_refused(db):
    _, token_a = invite_platform("Planned", [("BE", "NEW", "EMSP")])
    response = ocpi_client(token_a).get(URL)
    assert response.status_code == 401
    assert "Token A" in response.json()["status_message"]


def test_suspended_platform_is_refused(cpo):
    suspend_platform(cpo)
    assert cpo.client.get(URL).status_code == 401


def test_push_puts_client_info_to_other_connected_platforms(db, party_server):
    receiver = party_server()
    create_platform(
        "Listener",
        [("DE", "MSP", "EMSP")],
        endpoints={("hubclientinfo", "RECEIVER"): f"{receiver.url}/ocpi/hubclientinfo/"},
    )
    create_platform(
        "Offline listener",
        [("FR", "MSP", "EMSP")],
        endpoints={("hubclientinfo", "RECEIVER"): f"{receiver.url}/offline"},
        status=ConnectionStatus.OFFLINE,
    )
    create_platform("Not listening", [("BE", "MSP", "EMSP")])
    subject, _ = create_platform(
        "Subject",
        [("NL", "CPO", "CPO"), ("NL", "CPO", "EMSP")],
        endpoints={("hubclientinfo", "RECEIVER"): f"{receiver.url}/self"},
    )
    suspend_platform(subject)

    assert push_client_info(subject.pk) == "sent 2, failed 0"

    assert [(r.method, r.path) for r in receiver.received] == [
        ("PUT", "/ocpi/hubclientinfo/NL/CPO"),
        ("PUT", "/ocpi/hubclientinfo/NL/CPO"),
    ]
    bodies = sorted((r.json for r in receiver.received), key=lambda info: info["role"])
    assert [(b["role"], b["status"]) for b in bodies] == [
        ("CPO", "SUSPENDED"),
        ("EMSP", "SUSPENDED"),
    ]
    assert bodies[0]["last_updated"].endswith("Z")
    headers = {name.lower() for name in receiver.received[0].headers}
    assert not any(name.startswith("ocpi-") for name in headers)
    assert receiver.received[0].headers["Authorization"].startswith("Token ")


def test_a_refused_push_is_counted_not_raised(db, party_server):
    receiver = party_server(lambda received: (500, {"detail": "boom"}, {}))
    create_platform(
        "Listener", [("DE", "MSP", "EMSP")], endpoints={("hubclientinfo", "RECEIVER"): receiver.url}
    )
    subject, _ = create_platform("Subject", [("NL", "CPO", "CPO")])
    assert push_client_info(subject.pk) == "sent 0, failed 1"
    assert receiver.received[0].path == "/NL/CPO"
