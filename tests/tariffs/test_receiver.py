"""The hub's tariffs receiver: CPOs push and delete their own Tariffs; the hub keeps the latest."""

from urllib.parse import urlsplit

from hub import delivery
from hub.models import Delivery, Message
from tariffs.models import Tariff
from tests.conftest import create_platform
from tests.servers import answering, ocpi_ok
from tests.tariffs.conftest import EMSP_TARIFFS, RECEIVER, delete, put, tariff

TO_UNKNOWN = {"HTTP_OCPI_TO_COUNTRY_CODE": "FR", "HTTP_OCPI_TO_PARTY_ID": "XXX"}


def drain_all():
    for receiver_id in delivery.due_receivers():
        delivery.drain(receiver_id)


T1_PATH = f"{urlsplit(EMSP_TARIFFS).path}NL/CPO/T1"
ACCEPTED = (200, ocpi_ok(), {})


def test_put_creates_then_replaces_and_queues_each_push(cpo, emsp_receiver):
    first = put(cpo.client, "NL/CPO/T1", tariff())
    second = put(cpo.client, "nl/cpo/t1", tariff(currency="USD"))
    assert (first.status_code, second.status_code) == (201, 200)
    stored = Tariff.objects.get()
    assert (stored.currency, stored.document["currency"]) == ("USD", "USD")
    assert Delivery.objects.filter(receiver=emsp_receiver.party).count() == 2


def test_delete_removes_the_stored_copy_and_is_delivered(cpo, emsp_api):
    put(cpo.client, "NL/CPO/T1", tariff())
    drain_all()
    response = delete(cpo.client, "NL/CPO/T1")
    drain_all()
    assert (response.status_code, response.json()["status_code"]) == (200, 1000)
    assert not Tariff.objects.exists()
    assert emsp_api.requests() == [("PUT", T1_PATH), ("DELETE", T1_PATH)]
    assert emsp_api.received[1].body == b""
    assert cpo.client.get(f"{RECEIVER}/NL/CPO/T1").status_code == 404


def test_a_delete_supersedes_a_pending_put_and_a_put_a_pending_delete(cpo, emsp_api):
    put(cpo.client, "NL/CPO/T1", tariff())
    delete(cpo.client, "NL/CPO/T1")
    drain_all()
    assert emsp_api.requests() == [("DELETE", T1_PATH)]
    put(cpo.client, "NL/CPO/T1", tariff(currency="USD"))
    delete(cpo.client, "NL/CPO/T1")
    put(cpo.client, "NL/CPO/T1", tariff(currency="GBP"))
    drain_all()
    assert emsp_api.requests() == [("DELETE", T1_PATH), ("PUT", T1_PATH)]
    assert b'"GBP"' in emsp_api.received[1].body
    statuses = list(Delivery.objects.values_list("message__method", "status"))
    assert statuses == [
        ("PUT", "SUPERSEDED"),
        ("DELETE", "DELIVERED"),
        ("PUT", "SUPERSEDED"),
        ("DELETE", "SUPERSEDED"),
        ("PUT", "DELIVERED"),
    ]


def test_a_delete_after_a_failed_put_still_goes_out_as_a_delete(cpo, emsp_api):
    emsp_api.respond = answering((200, {"status_code": 2001, "timestamp": "x"}, {}), ACCEPTED)
    put(cpo.client, "NL/CPO/T1", tariff())
    drain_all()
    delete(cpo.client, "NL/CPO/T1")
    drain_all()
    assert emsp_api.requests() == [("PUT", T1_PATH), ("DELETE", T1_PATH)]
    assert Delivery.objects.get(message__method="DELETE").status == "DELIVERED"


def test_redelivering_a_delete_of_a_tariff_put_again_sends_the_stored_tariff(cpo, emsp_api):
    put(cpo.client, "NL/CPO/T1", tariff())
    delete(cpo.client, "NL/CPO/T1")
    drain_all()
    assert emsp_api.requests() == [("DELETE", T1_PATH)]
    deleted = Delivery.objects.filter(message__method="DELETE")
    deleted.update(status="FAILED")  # as if the receiver had been down
    delivery.redeliver(deleted)
    drain_all()
    assert emsp_api.requests() == [("DELETE", T1_PATH), ("DELETE", T1_PATH)]  # still deleted


def test_delete_of_an_unknown_tariff_is_404_and_not_forwarded(cpo, emsp_receiver):
    response = delete(cpo.client, "NL/CPO/NOPE")
    assert (response.status_code, response.json()["status_code"]) == (404, 2001)
    assert not Message.objects.exists()


def test_patch_is_not_allowed(cpo):
    put(cpo.client, "NL/CPO/T1", tariff())
    response = cpo.client.patch(
        f"{RECEIVER}/NL/CPO/T1", {"last_updated": "2024-02-01T00:00:00Z"}, format="json"
    )
    assert response.status_code == 405
    assert Message.objects.count() == 1


def test_ids_must_match_the_url(cpo):
    for body, field in (
        (tariff(id="T2"), "id"),
        (tariff(party_id="XXX"), "party_id"),
        (tariff(country_code="BE"), "country_code"),
    ):
        response = put(cpo.client, "NL/CPO/T1", body)
        assert response.json()["status_code"] == 2001
        assert response.json()["status_message"].startswith(f"{field}: ")
    assert not Tariff.objects.exists()


def test_an_emsp_cannot_push_tariffs(emsp_receiver):
    response = put(emsp_receiver.client, "DE/MSP/T1", tariff(country_code="DE", party_id="MSP"))
    assert response.status_code == 404
    assert not Tariff.objects.exists()


def test_url_party_of_another_cpo_is_404_and_nothing_stored(cpo):
    create_platform("Other CPO", [("BE", "BEC", "CPO")])
    response = put(cpo.client, "BE/BEC/T1", tariff(country_code="BE", party_id="BEC"))
    assert response.status_code == 404
    assert not Tariff.objects.exists() and not Message.objects.exists()


def test_push_to_an_unknown_receiver_is_4001_and_nothing_stored(cpo):
    put_response = put(cpo.client, "NL/CPO/T1", tariff(), **TO_UNKNOWN)
    assert put_response.json()["status_code"] == 4001
    assert not Tariff.objects.exists() and not Message.objects.exists()


def test_direct_push_goes_to_the_named_emsp_only(cpo, emsp_receiver):
    create_platform(
        "Other eMSP", [("FR", "MSP", "EMSP")], endpoints={("tariffs", "RECEIVER"): "http://o.test/"}
    )
    put(
        cpo.client,
        "NL/CPO/T1",
        tariff(),
        HTTP_OCPI_TO_COUNTRY_CODE="FR",
        HTTP_OCPI_TO_PARTY_ID="MSP",
    )
    assert list(Delivery.objects.values_list("receiver__party_id", flat=True)) == ["MSP"]
    assert Delivery.objects.get().receiver.country_code == "FR"


def test_get_of_own_tariff_from_the_store(cpo):
    put(cpo.client, "NL/CPO/T1", tariff())
    found = cpo.client.get(f"{RECEIVER}/NL/CPO/t1")
    missing = cpo.client.get(f"{RECEIVER}/NL/CPO/T2")
    assert found.json()["data"] == tariff()
    assert (missing.status_code, missing.json()["status_code"]) == (404, 2000)


def test_get_with_ocpi_to_is_forwarded_to_that_emsp(cpo, emsp_api):
    emsp_api.respond = answering((200, {"status_code": 1000, "data": tariff()}, {}))
    response = cpo.client.get(
        f"{RECEIVER}/NL/CPO/T1", HTTP_OCPI_TO_COUNTRY_CODE="DE", HTTP_OCPI_TO_PARTY_ID="MSP"
    )
    assert emsp_api.requests() == [("GET", T1_PATH)]
    assert response.json()["data"] == tariff()
    assert response["OCPI-from-party-id"] == "MSP"
