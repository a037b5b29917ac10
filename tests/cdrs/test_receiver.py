"""The hub's cdrs receiver: stored once, answered with the hub's Location, routed to one eMSP."""

import json
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cdrs.models import Cdr
from hub import delivery
from hub.models import Delivery, Message
from tests.cdrs.conftest import cdr, post
from tests.conftest import point_at
from tests.servers import answering, ocpi_ok
from tests.sessions.conftest import EMSP_URL, TOKEN

EMSP_CDRS = f"{EMSP_URL}/cdrs/"
EMSP_LOCATION = "http://emsp.test/ocpi/2.2.1/cdrs/emsp-42"
CREATED = (201, ocpi_ok(), {"Location": EMSP_LOCATION})


@pytest.fixture
def emsp_api(world, party_server):
    """DE*MSP's receivers (of the world's `emsp`) on 127.0.0.1: every CDR is created."""
    server = party_server(answering(CREATED))
    point_at(server, world.emsp)
    return server


def test_post_stores_the_cdr_and_answers_with_the_hubs_location(world):
    response = post(world.cpo.client, cdr())
    assert (response.status_code, response.json()["status_code"]) == (201, 1000)
    stored = Cdr.objects.get()
    location = response["Location"]
    assert location == f"http://127.0.0.1:8000/ocpi/2.2.1/receiver/cdrs/{stored.uid}"
    assert len(location) <= 255
    assert (stored.emsp_country_code, stored.emsp_party_id) == ("DE", "MSP")
    (only,) = Delivery.objects.all()
    assert (only.receiver, only.message.method, only.message.segments) == (
        world.emsp.party,
        "POST",
        [],
    )

    path = location.removeprefix("http://127.0.0.1:8000")
    assert world.cpo.client.get(path).json()["data"] == cdr()
    assert world.other_cpo.client.get(path).status_code == 404
    assert world.emsp.client.get(path).status_code == 404
    assert (
        world.cpo.client.get(
            "/ocpi/2.2.1/receiver/cdrs/00000000-0000-0000-0000-000000000000"
        ).status_code
        == 404
    )


def test_a_cdr_is_never_replaced_but_can_be_credited(world):
    first = post(world.cpo.client, cdr())
    again = post(world.cpo.client, cdr(remark="changed"))
    again_other_case = post(world.cpo.client, cdr(id="cdr1"))
    credit = post(
        world.cpo.client,
        cdr(id="CDR1-C", credit=True, credit_reference_id="CDR1", total_cost={"excl_vat": -4.0}),
    )
    assert first.status_code == credit.status_code == 201
    assert again.json()["status_code"] == again_other_case.json()["status_code"] == 2001
    assert "Credit CDR" in again.json()["status_message"]
    assert Cdr.objects.get(cdr_id="CDR1").document["total_cost"] == cdr()["total_cost"]
    assert Cdr.objects.get(cdr_id="CDR1-C").credit_reference_id == "CDR1"
    assert Message.objects.count() == Delivery.objects.count() == 2


def test_routing_ocpi_to_the_hub_a_party_or_an_unknown_emsp(world):
    to_hub = post(
        world.cpo.client, cdr(id="A"), HTTP_OCPI_TO_COUNTRY_CODE="NL", HTTP_OCPI_TO_PARTY_ID="HUB"
    )
    to_other = post(
        world.cpo.client, cdr(id="B"), HTTP_OCPI_TO_COUNTRY_CODE="FR", HTTP_OCPI_TO_PARTY_ID="MSP"
    )
    unknown = post(world.cpo.client, cdr(id="C", cdr_token={**TOKEN, "party_id": "XXX"}))
    assert to_hub.status_code == to_other.status_code == 201
    assert unknown.json()["status_code"] == 4001
    routed = sorted(Delivery.objects.values_list("message__object_id", "receiver__country_code"))
    assert routed == [("A", "DE"), ("B", "FR")]
    assert not Cdr.objects.filter(cdr_id="C").exists()


def test_only_the_callers_own_cdrs_are_accepted(world):
    response = post(world.cpo.client, cdr(country_code="BE"))
    spoofed = post(
        world.cpo.client, cdr(), HTTP_OCPI_FROM_COUNTRY_CODE="BE", HTTP_OCPI_FROM_PARTY_ID="CPO"
    )
    as_emsp = post(world.emsp.client, cdr())
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("country_code/party_id:")
    assert spoofed.status_code == 403
    assert as_emsp.json()["status_code"] == 2001
    assert not Cdr.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_cdr_cannot_be_changed(world, method):
    post(world.cpo.client, cdr())
    path = f"/ocpi/2.2.1/receiver/cdrs/{Cdr.objects.get().uid}"
    assert getattr(world.cpo.client, method)(path, cdr(), format="json").status_code == 405
    assert (
        getattr(world.cpo.client, method)(
            "/ocpi/2.2.1/receiver/cdrs", cdr(), format="json"
        ).status_code
        == 405
    )


def test_the_cdr_is_posted_as_sent_and_the_emsps_location_is_kept(world, emsp_api):
    raw = json.dumps(cdr(), indent=3).encode()
    world.cpo.client.post("/ocpi/2.2.1/receiver/cdrs", raw, content_type="application/json")
    delivery.drain(world.emsp.party.pk)
    (sent,) = emsp_api.received
    assert (sent.method, sent.path) == ("POST", urlsplit(EMSP_CDRS).path.rstrip("/"))
    assert sent.body == raw
    assert Cdr.objects.get().emsp_location == EMSP_LOCATION
    assert Delivery.objects.get().status == "DELIVERED"


@override_settings(
    DELIVERY_RETRY_PER_MODULE={"cdrs": {"max_attempts": 2, "max_age": 3600, "park": True}},
    DELIVERY_RETRY={"base": 60, "cap": 60, "max_attempts": 12, "max_age": 3600, "park": False},
)
def test_an_undeliverable_cdr_is_parked_and_delivered_again_as_the_same_post(world, emsp_api):
    emsp_api.respond = answering((502, b"", {}), CREATED)
    post(world.cpo.client, cdr())
    delivery.drain(world.emsp.party.pk)  # 502
    emsp_api.stop()  # then down: refused
    for _ in range(2):
        Delivery.objects.update(next_attempt_at=timezone.now())  # its retry is due
        delivery.drain(world.emsp.party.pk)
    parked = Delivery.objects.get()
    assert (parked.status, parked.attempts) == ("PARKED", 2)
    assert parked.last_error.startswith("gave up:")
    assert [attempt.http_status for attempt in parked.attempt_log.order_by("pk")] == [502, None]

    emsp_api.start()  # back on the same address
    assert delivery.redeliver(Delivery.objects.filter(pk=parked.pk)) == 1
    delivery.drain(world.emsp.party.pk)
    assert Delivery.objects.get().status == "DELIVERED"
    cdrs_path = urlsplit(EMSP_CDRS).path.rstrip("/")
    assert emsp_api.requests() == [("POST", cdrs_path)] * 2
    assert emsp_api.received[0].body == emsp_api.received[1].body


def test_admin_shows_cdrs_with_their_delivery_and_totals_per_emsp(world, emsp_api, client):
    post(world.cpo.client, cdr(id="A"))
    post(world.cpo.client, cdr(id="B"))
    post(world.cpo.client, cdr(id="C", cdr_token={**TOKEN, "country_code": "FR"}))
    delivery.drain(world.emsp.party.pk)  # A and B delivered; C (FR*MSP) still pending
    Delivery.objects.filter(message__object_id="B").update(status="PARKED", last_error="gave up: x")
    client.force_login(User.objects.create_superuser("admin", "a@example.com", "pw"))
    url = reverse("admin:cdrs_cdr_changelist")

    page = client.get(url).content.decode()
    assert "CDRs per eMSP" in page
    assert "<tr><td>DE*MSP</td><td>1</td><td>0</td><td>1</td>" in page
    assert "<tr><td>FR*MSP</td><td>0</td><td>1</td><td>0</td>" in page
    parked_only = client.get(url, {"delivery": "PARKED"})
    assert [c.cdr_id for c in parked_only.context["cl"].result_list] == ["B"]
    assert "gave up: x" in parked_only.content.decode()

    b = Cdr.objects.get(cdr_id="B")
    client.post(url, {"action": "deliver_again", "_selected_action": [b.pk]})
    assert Delivery.objects.get(message__object_id="B").status == "PENDING"
    sessions_page = client.get(reverse("admin:charging_sessions_session_changelist"))
    assert sessions_page.status_code == 200


def test_a_cdr_for_an_offline_emsp_waits_for_it(world):
    world.emsp.status = "OFFLINE"
    world.emsp.save()
    post(world.cpo.client, cdr())
    assert Delivery.objects.get().status == "PENDING"
