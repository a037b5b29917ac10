"""Delivery over a real network: slow receivers, retries, throttling, parking, re-delivery.

Receivers are PartyServers on 127.0.0.1; deliveries are made by a real Celery worker process.
"""

import json
import threading
import time

import pytest
from django.urls import reverse

from cdrs.models import Cdr
from hub.models import Delivery
from parties.actions import change_status, invite_platform, reinstate_platform, suspend_platform
from parties.models import ConnectionStatus, Deviation, Platform
from parties.tasks import ping_platform
from tests.conftest import create_platform, ocpi_client
from tests.integration.test_cdr_delivery import CDR
from tests.integration.test_cdr_delivery import PATH as CDR_PATH
from tests.integration.test_cdr_delivery import RAW as RAW_CDR
from tests.integration.test_location_delivery import FAST, wait_until
from tests.locations.conftest import location
from tests.servers import ocpi_ok
from tests.sessions.conftest import session

pytestmark = pytest.mark.integration

LOCATIONS = "/ocpi/emsp/2.2.1/locations"
SESSIONS = "/ocpi/emsp/2.2.1/sessions"


def emsp(server, name, party_id, module="locations", path=LOCATIONS, **platform_fields):
    platform, _ = create_platform(
        name,
        [("DE", party_id, "EMSP")],
        endpoints={(module, "RECEIVER"): f"{server.url}{path}/"},
    )
    Platform.objects.filter(pk=platform.pk).update(**platform_fields)
    return platform


def cpo_client():
    _, token = create_platform("CPO", [("NL", "CPO", "CPO")])
    return ocpi_client(token)


def put_location(client, location_id, **changes):
    body = location(id=location_id, **changes)
    response = client.put(
        f"/ocpi/2.2.1/receiver/locations/NL/CPO/{location_id}",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.json()["status_code"] == 1000, response.json()


ACCEPTED = (200, ocpi_ok(), {})


def answers(*first, then=ACCEPTED):
    """A receiver's answers: `first` in turn, then `then` for ever."""
    queue = list(first)
    lock = threading.Lock()

    def respond(received):
        with lock:
            return queue.pop(0) if queue else then

    return respond


def test_a_slow_receiver_does_not_delay_a_fast_one(celery_worker_process, party_server):
    release = threading.Event()
    in_flight = []

    def hold(received):
        in_flight.append(received)
        release.wait(15)  # bounded: the test releases it
        return 200, ocpi_ok(), {}

    slow, fast = party_server(respond=hold), party_server()
    emsp(slow, "Slow eMSP", "SLO", max_in_flight=4)
    emsp(fast, "Fast eMSP", "FST")
    client = cpo_client()
    celery_worker_process(
        extra_env={**FAST, "OCPI_REQUEST_TIMEOUT": "20", "DELIVERY_CLAIM_TIMEOUT": "30"}
    )

    for number in range(10):
        put_location(client, f"LOC{number}")
    try:
        fast.wait_for(10, timeout=15)  # all of them, while the slow receiver holds its requests
        assert not release.is_set()
        wait_until(lambda: len(in_flight) == 4, timeout=10)
        time.sleep(0.3)
        assert len(slow.received) == 4  # its limit of requests in flight, and no more
    finally:
        release.set()
    slow.wait_for(10, timeout=20)
    wait_until(lambda: set(Delivery.objects.values_list("status", flat=True)) == {"DELIVERED"})
    assert len(fast.received) == len(slow.received) == 10


def test_a_batch_slower_than_its_claim_is_sent_once(celery_worker_process, party_server):
    def slow(received):
        time.sleep(1)
        return 200, ocpi_ok(), {}

    receiver = party_server(respond=slow)
    emsp(receiver, "Slow eMSP", "SLO", max_in_flight=1)
    client = cpo_client()
    for number in range(8):
        put_location(client, f"LOC{number}")
    # The claim lasts 5 s; sending the batch one by one takes 8 s. Without renewal the sweeper
    # (every 0.5 s) would hand the rest of the batch to a second thread, which sends it again.
    lease = {"DELIVERY_CLAIM_TIMEOUT": "5", "OCPI_REQUEST_TIMEOUT": "2.5"}
    celery_worker_process(extra_env={**FAST, **lease}, beat=True)

    receiver.wait_for(8, timeout=30)
    wait_until(lambda: set(Delivery.objects.values_list("status", flat=True)) == {"DELIVERED"})
    time.sleep(2)  # a few sweeps: nothing more arrives
    paths = [r.path for r in receiver.received]
    assert sorted(paths) == sorted({f"{LOCATIONS}/NL/CPO/LOC{n}" for n in range(8)})
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


def test_a_retried_session_patch_arrives_as_the_full_session(celery_worker_process, party_server):
    token = {"country_code": "DE", "party_id": "MSA", "uid": "U1", "type": "RFID"}
    token["contract_id"] = "C1"
    receiver = party_server(respond=answers(ACCEPTED, (503, {"detail": "busy"}, {})))
    emsp(receiver, "Driver's eMSP", "MSA", module="sessions", path=SESSIONS)
    client = cpo_client()
    celery_worker_process(extra_env=FAST, beat=True)
    url = "/ocpi/2.2.1/receiver/sessions/NL/CPO/S1"
    client.put(url, json.dumps(session(cdr_token=token)), content_type="application/json")
    receiver.wait_for(1)
    period = {
        "start_date_time": "2024-01-01T10:15:00Z",
        "dimensions": [{"type": "ENERGY", "volume": 2}],
    }
    patch = {"kwh": 2, "charging_periods": [period], "last_updated": "2024-01-01T10:15:00Z"}
    client.patch(url, json.dumps(patch), content_type="application/json")

    first, failed, retried = receiver.wait_for(3)
    assert (first.method, failed.method, retried.method) == ("PUT", "PATCH", "PUT")
    assert failed.json == patch
    assert retried.json["charging_periods"] == [period]  # the stored Session, appended once
    assert retried.json["kwh"] == 2 and retried.json["id"] == "S1"
    assert retried.path == f"{SESSIONS}/NL/CPO/S1"


@pytest.mark.parametrize(
    "not_an_answer",
    [b"<html><body>Gateway</body></html>", b"", b"{}", b'{"status_message": "fine"}'],
    ids=["html", "empty", "empty-object", "no-status-code"],
)
def test_a_2xx_that_is_not_an_ocpi_answer_is_retried(
    celery_worker_process, party_server, not_an_answer
):
    receiver = party_server(respond=answers((200, not_an_answer, {})))
    platform = emsp(receiver, "eMSP", "MSP")
    client = cpo_client()
    celery_worker_process(extra_env=FAST, beat=True)
    put_location(client, "LOC1")

    receiver.wait_for(2)
    wait_until(lambda: Delivery.objects.get().status == "DELIVERED")
    first, second = Delivery.objects.get().attempt_log.all()
    assert (first.http_status, first.status_code) == (200, None)
    assert (second.http_status, second.status_code) == (200, 1000)
    # The operator can show the eMSP what it answered, without reading logs.
    (deviation,) = Deviation.objects.filter(platform=platform)
    assert (deviation.module, deviation.direction, deviation.field, deviation.count) == (
        "locations",
        "ANSWERED",
        "(response body)",
        1,
    )
    assert deviation.rule.startswith("Must be an OCPI envelope; got HTTP 200")
    first_request = {k.lower(): v for k, v in receiver.received[0].headers.items()}
    assert deviation.example_request_id == first_request["x-request-id"]


def test_an_accepting_answer_without_timestamp_is_delivered_and_recorded(
    celery_worker_process, party_server
):
    receiver = party_server(respond=answers(then=(200, {"status_code": 1000}, {})))
    platform = emsp(receiver, "eMSP", "MSP")
    client = cpo_client()
    celery_worker_process(extra_env=FAST)
    put_location(client, "LOC1")
    put_location(client, "LOC2")

    wait_until(lambda: Delivery.objects.filter(status="DELIVERED").count() == 2)
    (deviation,) = Deviation.objects.filter(platform=platform)
    assert (deviation.module, deviation.field, deviation.count) == ("locations", "timestamp", 2)


def test_a_429_is_retried_after_the_time_the_receiver_asked_for(
    celery_worker_process, party_server
):
    receiver = party_server(respond=answers((429, {"detail": "slow down"}, {"Retry-After": "3"})))
    emsp(receiver, "eMSP", "MSP")
    client = cpo_client()
    celery_worker_process(extra_env=FAST, beat=True)  # its own backoff would retry in 0.3 s
    put_location(client, "LOC1")

    throttled, accepted = receiver.wait_for(2, timeout=30)
    gap = accepted.at - throttled.at
    assert 3 <= gap < 10
    wait_until(lambda: Delivery.objects.get().status == "DELIVERED")


def test_a_suspended_emsps_cdr_is_parked_then_delivered_once_reinstated(
    celery_worker_process, party_server
):
    receiver = party_server(respond=lambda r: (201, ocpi_ok(), {"Location": "http://e/cdrs/1"}))
    driver_emsp = emsp(receiver, "Driver's eMSP", "MSA", module="cdrs", path=CDR_PATH)
    suspend_platform(driver_emsp)
    celery_worker_process(extra_env=FAST, beat=True)
    response = cpo_client().post(
        "/ocpi/2.2.1/receiver/cdrs", RAW_CDR, content_type="application/json"
    )
    assert response.json()["status_code"] == 1000

    wait_until(lambda: Delivery.objects.get().status == "PARKED")
    assert "suspended" in Delivery.objects.get().last_error
    assert receiver.received == []

    reinstate_platform(Platform.objects.get(pk=driver_emsp.pk))
    (received,) = receiver.wait_for(1)
    assert received.body == RAW_CDR
    wait_until(lambda: Delivery.objects.get().status == "DELIVERED")
    time.sleep(1)
    assert len(receiver.received) == 1


def test_deliver_again_in_the_admin_skips_delivered_cdrs(
    celery_worker_process, party_server, admin_client
):
    receiver = party_server(respond=lambda r: (201, ocpi_ok(), {"Location": "http://e/cdrs/1"}))
    emsp(receiver, "Driver's eMSP", "MSA", module="cdrs", path=CDR_PATH)
    client = cpo_client()
    celery_worker_process(extra_env=FAST, beat=True)
    client.post("/ocpi/2.2.1/receiver/cdrs", RAW_CDR, content_type="application/json")
    receiver.wait_for(1)
    wait_until(lambda: Delivery.objects.get().status == "DELIVERED")
    second = json.dumps({**CDR, "id": "CDR2"}).encode()
    client.post("/ocpi/2.2.1/receiver/cdrs", second, content_type="application/json")
    receiver.wait_for(2)
    wait_until(lambda: Delivery.objects.filter(status="DELIVERED").count() == 2)
    Delivery.objects.filter(message__object_id="CDR2").update(status="PARKED")  # as if lost

    admin_client.post(
        reverse("admin:cdrs_cdr_changelist"),
        {
            "action": "deliver_again",
            "_selected_action": list(Cdr.objects.values_list("pk", flat=True)),
        },
    )
    receiver.wait_for(3)
    time.sleep(1.5)
    assert [json.loads(r.body)["id"] for r in receiver.received] == [CDR["id"], "CDR2", "CDR2"]


def test_client_info_arrives_in_order(celery_worker_process, party_server):
    def slowly(received):
        time.sleep(0.5)  # the PLANNED push is still in flight when CONNECTED is queued
        return 200, ocpi_ok(), {}

    listener = party_server(respond=slowly)
    create_platform(
        "Listener", [("DE", "MSP", "EMSP")], endpoints={("hubclientinfo", "RECEIVER"): listener.url}
    )
    celery_worker_process(extra_env=FAST, beat=True)

    newcomer, _ = invite_platform("Newcomer", [("NL", "NEW", "CPO")])
    listener.wait_for(1)
    change_status(newcomer, ConnectionStatus.CONNECTED)
    change_status(newcomer, ConnectionStatus.OFFLINE)
    change_status(newcomer, ConnectionStatus.CONNECTED)

    wait_until(lambda: not Delivery.objects.filter(status="PENDING").exists())
    statuses = [r.json["status"] for r in listener.received]
    # Versions may be skipped (superseded while one was in flight), never reordered.
    assert statuses[0] == "PLANNED" and statuses[-1] == "CONNECTED"
    assert is_subsequence(statuses, ["PLANNED", "CONNECTED", "OFFLINE", "CONNECTED"])


def is_subsequence(items: list, of: list) -> bool:
    remaining = iter(of)
    return all(item in remaining for item in items)


def test_still_alive_checks_of_hanging_platforms_do_not_hold_up_deliveries(
    celery_worker_process, party_server
):
    release = threading.Event()

    def hang(received):
        release.wait(15)  # bounded: the test releases it
        return 200, ocpi_ok(), {}

    hanging, receiver = party_server(respond=hang), party_server()
    for number in range(12):
        platform, _ = create_platform(f"Silent {number}", [("FR", f"S{number:02d}", "EMSP")])
        Platform.objects.filter(pk=platform.pk).update(versions_url=f"{hanging.url}/versions")
    emsp(receiver, "eMSP", "MSP")
    client = cpo_client()
    slow_pings = {**FAST, "OCPI_REQUEST_TIMEOUT": "20", "DELIVERY_CLAIM_TIMEOUT": "30"}
    celery_worker_process(extra_env=slow_pings, queues="deliveries")
    celery_worker_process(extra_env=slow_pings, queues="background")
    try:
        for platform in Platform.objects.filter(name__startswith="Silent"):
            ping_platform.delay(platform.pk)
        wait_until(lambda: len(hanging.received) >= 4, timeout=40)  # the background is busy
        put_location(client, "LOC1")
        receiver.wait_for(1, timeout=10)
        assert not release.is_set() and len(hanging.received) < 12  # pings still waiting
    finally:
        release.set()
