"""The hub's HubClientInfo sender interface and the ClientInfo push."""

from datetime import UTC, datetime

from hub import delivery
from hub.models import Delivery
from parties.actions import change_status, invite_platform, suspend_platform
from parties.models import ConnectionStatus, Party
from tests.conftest import create_platform, ocpi_client
from tests.servers import ocpi_ok

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
    drain_all()

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


def drain_all():
    for receiver_id in delivery.due_receivers():
        delivery.drain(receiver_id)


def test_a_refused_push_is_retried_with_the_current_status(db, party_server):
    answers = iter([(500, {"detail": "boom"}, {})])
    receiver = party_server(lambda received: next(answers, (200, ocpi_ok(), {})))
    create_platform(
        "Listener", [("DE", "MSP", "EMSP")], endpoints={("hubclientinfo", "RECEIVER"): receiver.url}
    )
    subject, _ = create_platform("Subject", [("NL", "CPO", "CPO")])
    suspend_platform(subject)
    drain_all()
    assert Delivery.objects.get().status == "PENDING"

    change_status(subject, ConnectionStatus.CONNECTED)  # queues a newer ClientInfo too
    Delivery.objects.update(next_attempt_at=datetime(2000, 1, 1, tzinfo=UTC))
    drain_all()
    assert [r.json["status"] for r in receiver.received] == ["SUSPENDED", "CONNECTED"]
    assert receiver.received[0].path == "/NL/CPO"
    assert sorted(Delivery.objects.values_list("status", flat=True)) == [
        "DELIVERED",
        "SUPERSEDED",
    ]


def test_a_platform_that_connects_gets_every_other_partys_client_info(db, party_server):
    receiver = party_server()
    create_platform("CPO", [("NL", "CPO", "CPO")])
    invite_platform("Planned", [("BE", "NEW", "EMSP")])
    newcomer, _ = create_platform(
        "Newcomer",
        [("DE", "MSP", "EMSP")],
        endpoints={("hubclientinfo", "RECEIVER"): receiver.url},
        status=ConnectionStatus.PLANNED,
    )
    change_status(newcomer, ConnectionStatus.CONNECTED)
    drain_all()
    infos = sorted((r.path, r.json["status"]) for r in receiver.received)
    assert infos == [("/BE/NEW", "PLANNED"), ("/NL/CPO", "CONNECTED")]
