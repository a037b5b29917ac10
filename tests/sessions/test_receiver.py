"""The hub's sessions receiver: stored copies, PUT/PATCH semantics, routing to one eMSP only."""

from urllib.parse import urlsplit

from hub import delivery
from hub.models import Delivery, Message
from parties.models import Party
from sessions.models import Session
from tests.conftest import create_platform, point_at
from tests.servers import answering, ocpi_ok
from tests.sessions.conftest import EMSP_URL, SESSION, TOKEN, patch, period, put, session

TO_HUB = {"HTTP_OCPI_TO_COUNTRY_CODE": "NL", "HTTP_OCPI_TO_PARTY_ID": "HUB"}
TO_OTHER_EMSP = {"HTTP_OCPI_TO_COUNTRY_CODE": "FR", "HTTP_OCPI_TO_PARTY_ID": "MSP"}
LATER = "2024-01-01T11:00:00Z"


def receivers():
    return sorted(
        (d.receiver.country_code, d.receiver.party_id, d.message.method)
        for d in Delivery.objects.select_related("receiver", "message")
    )


def test_put_stores_the_session_and_routes_it_to_the_token_owner_only(world):
    response = put(world.cpo.client, "NL/CPO/S1", session())
    assert (response.status_code, response.json()["status_code"]) == (201, 1000)
    assert "data" not in response.json()
    stored = Session.objects.get()
    assert (stored.emsp_country_code, stored.emsp_party_id, stored.status) == (
        "DE",
        "MSP",
        "PENDING",
    )
    assert stored.document == SESSION
    assert receivers() == [("DE", "MSP", "PUT")]


def test_ocpi_to_the_hub_is_open_routing_never_a_broadcast(world):
    put(world.cpo.client, "NL/CPO/S1", session(), **TO_HUB)
    assert receivers() == [("DE", "MSP", "PUT")]


def test_ocpi_to_an_emsp_routes_there_and_a_later_patch_follows_the_stored_emsp(world):
    put(world.cpo.client, "NL/CPO/S1", session(), **TO_OTHER_EMSP)
    patch(world.cpo.client, "NL/CPO/S1", {"kwh": 1, "last_updated": LATER})
    assert receivers() == [("FR", "MSP", "PATCH"), ("FR", "MSP", "PUT")]
    assert Session.objects.get().emsp_party_id == "MSP"
    assert Session.objects.get().emsp_country_code == "FR"


def test_a_patch_with_a_new_cdr_token_routes_to_its_owner(world):
    put(world.cpo.client, "NL/CPO/S1", session())
    token = {**TOKEN, "country_code": "FR"}
    patch(world.cpo.client, "NL/CPO/S1", {"cdr_token": token, "last_updated": LATER})
    assert receivers() == [("DE", "MSP", "PUT"), ("FR", "MSP", "PATCH")]


def test_an_unknown_emsp_is_refused_with_4001_and_nothing_is_stored(world):
    unknown_token = put(
        world.cpo.client, "NL/CPO/S1", session(cdr_token={**TOKEN, "party_id": "XXX"})
    )
    unknown_to = put(
        world.cpo.client,
        "NL/CPO/S1",
        session(),
        HTTP_OCPI_TO_COUNTRY_CODE="NL",
        HTTP_OCPI_TO_PARTY_ID="CPO",  # a CPO is no receiver of Sessions
    )
    assert unknown_token.json()["status_code"] == unknown_to.json()["status_code"] == 4001
    assert not Session.objects.exists() and not Message.objects.exists()


def test_a_known_emsp_without_a_receiver_gets_no_delivery_but_can_pull(world):
    create_platform("Pull-only eMSP", [("BE", "PUL", "EMSP")])
    response = put(
        world.cpo.client,
        "NL/CPO/S1",
        session(cdr_token={**TOKEN, "country_code": "BE", "party_id": "PUL"}),
    )
    assert response.status_code == 201
    assert Session.objects.get().emsp_party_id == "PUL"
    assert not Delivery.objects.exists()


def test_put_replaces_charging_periods_and_patch_appends_them(world):
    client = world.cpo.client
    put(client, "NL/CPO/S1", session(charging_periods=[period(ENERGY=1)]))
    patch(
        client, "NL/CPO/S1", {"charging_periods": [period(LATER, ENERGY=2)], "last_updated": LATER}
    )
    patch(client, "NL/CPO/S1", {"charging_periods": [], "kwh": 3, "last_updated": LATER})
    stored = Session.objects.get().document
    assert stored["charging_periods"] == [period(ENERGY=1), period(LATER, ENERGY=2)]
    assert stored["kwh"] == 3

    response = put(client, "nl/cpo/s1", session(status="COMPLETED"))
    assert response.status_code == 200
    stored = Session.objects.get()
    assert "charging_periods" not in stored.document and stored.status == "COMPLETED"


def test_patch_rules(world):
    client = world.cpo.client
    unknown = patch(client, "NL/CPO/S9", {"kwh": 1, "last_updated": LATER})
    put(client, "NL/CPO/S1", session())
    no_last_updated = patch(client, "NL/CPO/S1", {"kwh": 1})
    other_id = patch(client, "NL/CPO/S1", {"id": "S2", "last_updated": LATER})
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2001)
    assert no_last_updated.json()["status_message"].startswith("last_updated:")
    assert other_id.json()["status_message"].startswith("id:")
    assert Message.objects.count() == 1


def test_url_and_body_must_agree_and_the_url_party_must_be_the_callers(world):
    mismatch = put(world.cpo.client, "NL/CPO/S2", session())
    other_owner = put(world.cpo.client, "BE/CPO/S1", session(country_code="BE"))
    assert mismatch.json()["status_code"] == 2001
    assert mismatch.json()["status_message"].startswith("id:")
    assert other_owner.status_code == 404
    assert not Session.objects.exists()


def test_post_and_delete_are_not_allowed(world):
    url = "/ocpi/2.2.1/receiver/sessions/NL/CPO/S1"
    assert world.cpo.client.post(url, session(), format="json").status_code == 405
    assert world.cpo.client.delete(url).status_code == 405


def test_a_cpo_reads_only_its_own_sessions_at_the_hub(world):
    put(world.cpo.client, "NL/CPO/S1", session())
    own = world.cpo.client.get("/ocpi/2.2.1/receiver/sessions/NL/CPO/s1")
    other = world.other_cpo.client.get("/ocpi/2.2.1/receiver/sessions/NL/CPO/S1")
    emsp = world.emsp.client.get("/ocpi/2.2.1/receiver/sessions/NL/CPO/S1")
    unknown = world.cpo.client.get("/ocpi/2.2.1/receiver/sessions/NL/CPO/S2")
    assert own.json()["data"] == SESSION
    assert other.status_code == emsp.status_code == unknown.status_code == 404
    assert "data" not in other.json()


def test_a_patch_after_a_missed_version_reaches_the_emsp_as_the_full_stored_session(
    world, party_server
):
    path = f"{urlsplit(EMSP_URL).path}/sessions/NL/CPO/S1"
    emsp_api = party_server(answering((503, b"", {}), (200, ocpi_ok(), {})))
    point_at(emsp_api, world.emsp)
    put(world.cpo.client, "NL/CPO/S1", session(charging_periods=[period(ENERGY=1)]))
    delivery.drain(world.emsp.party.pk)  # 503: the PUT waits for a retry
    patch(
        world.cpo.client,
        "NL/CPO/S1",
        {"charging_periods": [period(LATER, ENERGY=2)], "last_updated": LATER},
    )
    delivery.drain(world.emsp.party.pk)

    assert emsp_api.requests() == [("PUT", path), ("PUT", path)]
    sent = emsp_api.received[-1]
    assert sent.header("ocpi-to-party-id") == "MSP"
    stored = Session.objects.get().document
    assert sent.json == stored
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["DELIVERED", "SUPERSEDED"]


def test_a_platform_hosting_the_emsp_id_in_two_roles_gets_one_push_for_the_emsp(world):
    Party.objects.create(platform=world.emsp, country_code="DE", party_id="MSP", role="NSP")
    put(world.cpo.client, "NL/CPO/S1", session())
    (delivery,) = Delivery.objects.all()
    assert delivery.receiver.role == "EMSP"
