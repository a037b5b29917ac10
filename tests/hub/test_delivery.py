"""The delivery engine: routing, sending, retries, supersession, claims; receivers that are
reached are servers on 127.0.0.1."""

import json
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.db.models.sql import Query
from django.test import override_settings
from django.utils import timezone

from hub import delivery
from hub.models import Delivery, DeliveryAttempt, Message
from hub.routing import PartyRef
from hub.sql import DatabaseNow
from parties.actions import reinstate_platform, suspend_platform
from parties.models import ConnectionStatus, Party, Platform
from tests.conftest import create_platform
from tests.locations.conftest import EMSP_LOCATIONS, location, patch
from tests.servers import answering, ocpi_ok

RAW_PUT = json.dumps(location(), indent=1).encode()  # odd formatting: must arrive unchanged
RAW_PATCH = b'{ "status":"CHARGING",  "last_updated":"2024-01-02T00:00:00Z" }'
PUT_PATH = f"{urlsplit(EMSP_LOCATIONS).path}NL/CPO/LOC1"
EVSE_PATH = f"{PUT_PATH}/EVSE1"
ACCEPTED = (200, ocpi_ok(), {})


def push_put(cpo, **headers):
    return cpo.client.put(
        "/ocpi/2.2.1/receiver/locations/NL/CPO/LOC1",
        RAW_PUT,
        content_type="application/json",
        **headers,
    )


def push_patch(cpo):
    return cpo.client.patch(
        "/ocpi/2.2.1/receiver/locations/NL/CPO/LOC1/EVSE1",
        RAW_PATCH,
        content_type="application/json",
        HTTP_X_CORRELATION_ID="corr-2",
    )


def drain_all():
    for receiver_id in delivery.due_receivers():
        delivery.drain(receiver_id)


# ---- routing ---------------------------------------------------------------------------


def test_broadcast_reaches_connected_receivers_of_the_module_only(cpo, emsp_receiver):
    create_platform("No endpoint", [("FR", "MSP", "EMSP")])
    create_platform(
        "Offline",
        [("BE", "MSP", "EMSP")],
        endpoints={("locations", "RECEIVER"): "http://off.test/l"},
        status=ConnectionStatus.OFFLINE,
    )
    create_platform(
        "SCSP", [("NL", "SCS", "SCSP")], endpoints={("locations", "RECEIVER"): "http://scsp.test/l"}
    )
    create_platform(
        "NSP and NAP",
        [("NL", "NSP", "NSP"), ("NL", "NAP", "NAP")],
        endpoints={("locations", "RECEIVER"): "http://nsp.test/l"},
    )
    sender = cpo.parties.get()
    found = {str(p) for p in delivery.receivers("locations", sender, None)}
    assert found == {"DE*MSP (EMSP)", "NL*NSP (NSP)", "NL*NAP (NAP)"}
    hub = delivery.hub_party_ref()
    assert {str(p) for p in delivery.receivers("locations", sender, hub)} == found


def test_direct_push_goes_to_the_named_party_only(cpo, emsp_receiver):
    create_platform(
        "Other eMSP",
        [("FR", "MSP", "EMSP")],
        endpoints={("locations", "RECEIVER"): "http://fr.test/l"},
    )
    found = delivery.receivers("locations", cpo.parties.get(), PartyRef("DE", "MSP"))
    assert [str(p) for p in found] == ["DE*MSP (EMSP)"]


def test_a_party_never_receives_its_own_push(db):
    platform, _ = create_platform(
        "CPO and eMSP",
        [("NL", "CPO", "CPO"), ("NL", "EMP", "EMSP")],
        endpoints={
            ("tokens", "RECEIVER"): "http://both.test/t",
            ("locations", "RECEIVER"): "http://both.test/l",
        },
    )
    cpo = platform.parties.get(role="CPO")
    emsp = platform.parties.get(role="EMSP")
    assert delivery.receivers("locations", cpo, PartyRef("NL", "CPO")) == []
    assert delivery.receivers("tokens", emsp, PartyRef("NL", "EMP")) == []
    assert emsp in delivery.receivers("locations", cpo, None)


def test_a_push_queues_one_delivery_for_each_party_the_routing_lists(cpo, emsp_receiver):
    create_platform(
        "NSP", [("NL", "NSP", "NSP")], endpoints={("locations", "RECEIVER"): "http://nsp.test/l"}
    )
    create_platform(
        "Offline",
        [("BE", "MSP", "EMSP")],
        endpoints={("locations", "RECEIVER"): "http://off.test/l"},
        status=ConnectionStatus.OFFLINE,
    )
    listed = {str(p) for p in delivery.receivers("locations", cpo.parties.get(), None)}
    push_put(cpo)
    queued = [str(d.receiver) for d in Delivery.objects.select_related("receiver")]
    assert sorted(queued) == sorted(listed) == ["DE*MSP (EMSP)", "NL*NSP (NSP)"]
    message = Message.objects.get()
    assert {d.message_id for d in Delivery.objects.all()} == {message.pk}
    assert all(d.status == Delivery.Status.PENDING for d in Delivery.objects.all())


def test_the_rows_of_a_push_hold_what_the_models_would_have_stored(cpo, emsp_receiver):
    """The Message and its Deliveries are written in plain SQL: every column must hold what
    the ORM would have stored, defaults included."""
    push_put(cpo, HTTP_X_CORRELATION_ID="corr-1")
    message = Message.objects.get()
    stored = (message.module, message.method, message.owner_country_code, message.object_id)
    assert stored == ("locations", "PUT", "NL", "LOC1")
    assert (message.segments, bytes(message.body), message.correlation_id) == (
        ["LOC1"],
        RAW_PUT,
        "corr-1",
    )
    assert message.broadcast and message.sender == cpo.parties.get()
    queued = Delivery.objects.get()
    assert (queued.message, queued.receiver.platform, queued.object_key) == (
        message,
        emsp_receiver,
        message.object_key,
    )
    for field in Delivery._meta.concrete_fields:
        if field.has_default() or field.null:
            assert getattr(queued, field.attname) == field.get_default(), field.name
    assert queued.next_attempt_at == queued.retry_since == queued.created_at == message.created_at


# ---- sending ---------------------------------------------------------------------------


def test_put_and_patch_arrive_byte_for_byte_with_routing_headers(cpo, emsp_api):
    push_put(cpo, HTTP_X_CORRELATION_ID="corr-1")
    drain_all()
    push_patch(cpo)
    drain_all()
    assert emsp_api.requests() == [("PUT", PUT_PATH), ("PATCH", EVSE_PATH)]
    put_request, patch_request = emsp_api.received
    assert put_request.body == RAW_PUT
    assert patch_request.body == RAW_PATCH
    assert put_request.header("OCPI-to-country-code") == "DE"
    assert put_request.header("OCPI-to-party-id") == "MSP"
    assert put_request.header("OCPI-from-country-code") == "NL"
    assert put_request.header("OCPI-from-party-id") == "HUB"
    assert put_request.header("X-Correlation-ID") == "corr-1"
    assert patch_request.header("X-Correlation-ID") == "corr-2"
    assert put_request.header("Authorization").startswith("Token ")
    assert set(Delivery.objects.values_list("status", flat=True)) == {"DELIVERED"}
    assert DeliveryAttempt.objects.filter(http_status=200).count() == 2


def test_server_errors_are_retried_with_backoff(cpo, emsp_api):
    emsp_api.respond = answering((503, b"busy", {}))
    push_put(cpo)
    drain_all()
    assert emsp_api.requests() == [("PUT", PUT_PATH)]
    pending = Delivery.objects.get()
    assert pending.status == "PENDING" and pending.attempts == 1
    assert pending.next_attempt_at > timezone.now()
    assert "HTTP 503" in pending.last_error
    assert delivery.due_receivers() == []  # not before its retry time


@pytest.mark.parametrize(
    ("http_status", "body"),
    [
        (200, b'{"status_code":2001,"status_message":"bad","timestamp":"x"}'),
        (422, b'{"detail":"unprocessable"}'),
    ],
)
def test_client_errors_are_rejected_not_retried(cpo, emsp_api, http_status, body):
    emsp_api.respond = answering((http_status, body, {}))
    push_put(cpo)
    drain_all()
    assert emsp_api.requests() == [("PUT", PUT_PATH)]
    rejected = Delivery.objects.get()
    assert rejected.status == "REJECTED"
    assert rejected.attempt_log.get().response_excerpt == body.decode()


@override_settings(
    DELIVERY_RETRY={"base": 0.001, "cap": 0.001, "max_attempts": 2, "max_age": 3600, "park": False}
)
def test_gives_up_after_max_attempts(cpo, emsp_api):
    emsp_api.stop()  # nothing listens at the receiver's address: each attempt is refused
    push_put(cpo)
    for _ in range(3):
        Delivery.objects.update(next_attempt_at=timezone.now())
        drain_all()
    failed = Delivery.objects.get()
    assert failed.status == "FAILED" and failed.attempts == 2
    assert failed.attempt_log.count() == 2


def test_receiver_that_was_down_gets_the_latest_state_not_the_history(cpo, emsp_api):
    emsp_api.stop()
    push_put(cpo)
    drain_all()
    assert Delivery.objects.get().attempt_log.get().http_status is None  # it was refused
    push_patch(cpo)  # the PUT is still waiting: it is superseded
    emsp_api.start()  # back, on the same address
    Delivery.objects.update(next_attempt_at=timezone.now())
    drain_all()
    assert emsp_api.requests() == [("PUT", PUT_PATH)]
    latest = emsp_api.received[-1].json
    assert latest["evses"][0]["status"] == "CHARGING"
    assert latest["last_updated"] == "2024-01-02T00:00:00Z"
    statuses = list(Delivery.objects.order_by("pk").values_list("status", "full_object"))
    assert statuses == [("SUPERSEDED", False), ("DELIVERED", True)]


@override_settings(DELIVERY_BATCH_SIZE=2)
def test_a_backlog_longer_than_a_batch_sends_each_object_once_in_its_latest_version(cpo, emsp_api):
    emsp_api.stop()
    for day in (1, 2, 3):  # three versions of two objects while the receiver is down
        for object_id in ("LOC1", "LOC2"):
            stamp = f"2024-01-0{day}T00:00:00Z"
            body = json.dumps(location(id=object_id, last_updated=stamp)).encode()
            path = f"/ocpi/2.2.1/receiver/locations/NL/CPO/{object_id}"
            assert cpo.client.put(path, body, content_type="application/json").status_code in (
                200,
                201,
            )
    emsp_api.start()
    drain_all()
    arrived = {r.path.rsplit("/", 1)[1]: r.json["last_updated"] for r in emsp_api.received}
    assert len(emsp_api.received) == 2  # not every version in turn, two by two
    assert arrived == {"LOC1": "2024-01-03T00:00:00Z", "LOC2": "2024-01-03T00:00:00Z"}
    statuses = list(Delivery.objects.values_list("status", flat=True))
    assert sorted(statuses) == ["DELIVERED"] * 2 + ["SUPERSEDED"] * 4


def test_a_version_committed_during_a_claim_is_not_superseded_by_another_objects_higher_id(
    cpo, emsp_receiver, monkeypatch
):
    """Ids are taken when a push writes and may commit out of order: LOC1's second version,
    with an id below LOC2's, commits while the claim is being made. Only LOC1's older
    versions may be superseded by it, not every version below the batch's highest id."""
    push_put(cpo)
    first = Delivery.objects.get()
    spare = Delivery.objects.get(pk=first.pk)  # an id taken now and committed later
    spare.pk = None
    spare.save()
    spare_id = spare.pk
    spare.delete()
    cpo.client.put(
        "/ocpi/2.2.1/receiver/locations/NL/CPO/LOC2",
        json.dumps(location(id="LOC2")).encode(),
        content_type="application/json",
    )
    withheld = delivery.withheld

    def commit_late(batch, now):
        late = Delivery.objects.get(pk=first.pk)
        late.pk = spare_id
        late.save(force_insert=True)  # LOC1 again, id between LOC1's first and LOC2
        return withheld(batch, now)

    monkeypatch.setattr(delivery, "withheld", commit_late)
    _, batch = delivery.claim(emsp_receiver.party.pk)
    assert [d.message.object_id for d in batch] == ["LOC1", "LOC2"]
    assert Delivery.objects.get(pk=spare_id).status == "PENDING"  # it goes out next


def test_a_patch_after_a_rejected_put_is_sent_as_the_full_object(cpo, emsp_api):
    emsp_api.respond = answering((400, {}, {}), ACCEPTED)
    push_put(cpo)
    drain_all()
    push_patch(cpo)
    drain_all()
    assert emsp_api.requests() == [("PUT", PUT_PATH), ("PUT", PUT_PATH)]
    assert Delivery.objects.order_by("pk").last().full_object


@override_settings(DELIVERY_CLAIM_TIMEOUT=60)
def test_one_sender_per_receiver_and_stranded_claims_are_sent_again(cpo, emsp_receiver, emsp_api):
    push_put(cpo)
    receiver_id = emsp_receiver.party.pk
    _, batch = delivery.claim(receiver_id)
    assert len(batch) == 1
    assert delivery.claim(receiver_id)[1] == []  # held by the first (alive) worker
    assert delivery.due_receivers() == []
    Delivery.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))  # it died
    assert delivery.due_receivers() == [receiver_id]
    drain_all()
    done = Delivery.objects.get()
    assert done.status == "DELIVERED" and emsp_api.requests() == [("PUT", PUT_PATH)]
    assert "worker was lost" in done.attempt_log.first().error


def test_deliver_again_sends_the_object_as_stored_now_and_skips_what_arrived(cpo, emsp_api):
    push_put(cpo)
    drain_all()
    patch(cpo.client, "NL/CPO/LOC1", {"name": "Renamed", "last_updated": "2024-05-05T00:00:00Z"})
    Delivery.objects.filter(message__method="PATCH").update(status="FAILED")
    count = delivery.redeliver(Delivery.objects.all())
    drain_all()
    assert count == 1  # the failed PATCH; the delivered PUT is not sent again
    assert emsp_api.requests() == [("PUT", PUT_PATH), ("PUT", PUT_PATH)]
    assert emsp_api.received[-1].json["name"] == "Renamed"


def test_nothing_is_queued_for_a_platform_without_receivers(cpo):
    response = push_put(cpo)
    assert response.status_code == 201
    assert Message.objects.count() == 1 and not Delivery.objects.exists()
    assert Party.objects.count() == 1


def test_a_sender_that_read_its_receiver_while_suspended_sends_what_it_claims_after_reinstatement(
    cpo, emsp_receiver, emsp_api
):
    push_put(cpo)
    suspend_platform(emsp_receiver)
    stale = delivery._receiver(emsp_receiver.party.pk)  # read by a sender still running
    assert stale.platform.status == ConnectionStatus.SUSPENDED
    reinstate_platform(Platform.objects.get(pk=emsp_receiver.pk))

    delivery.send(stale)
    assert Delivery.objects.get().status == "DELIVERED"
    assert emsp_api.requests() == [("PUT", PUT_PATH)]


# ---- waking the workers ------------------------------------------------------------------


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/7")
def test_pushes_to_a_receiver_being_sent_to_queue_no_task_and_go_out_with_that_sender(
    cpo, emsp_receiver, django_capture_on_commit_callbacks, monkeypatch
):
    from hub import tasks
    from hub.client import Reply

    queued = []
    monkeypatch.setattr(tasks.deliver_to_receiver, "delay", queued.append)
    receiver_id = emsp_receiver.party.pk
    delivery.woken(receiver_id)  # nothing pending from an earlier run
    with django_capture_on_commit_callbacks(execute=True):
        push_put(cpo)
    with django_capture_on_commit_callbacks(execute=True):
        push_patch(cpo)
    assert queued == [receiver_id]  # the second push found a wake-up pending

    sent = []

    def transmit(request, receiver):
        sent.append(request.url.removeprefix(EMSP_LOCATIONS))
        if len(sent) == 1:  # while the queued task sends, another object is pushed
            with django_capture_on_commit_callbacks(execute=True):
                cpo.client.put(
                    "/ocpi/2.2.1/receiver/locations/NL/CPO/LOC2",
                    json.dumps(location(id="LOC2")).encode(),
                    content_type="application/json",
                )
        answered = Future()
        answered.set_result(Reply(http_status=200, status_code=1000))
        return answered

    monkeypatch.setattr(delivery, "transmit", transmit)
    delivery.drain(receiver_id)  # the queued task
    assert queued == [receiver_id]  # no task for LOC2: the sender at work sent it
    assert sent == ["NL/CPO/LOC1", "NL/CPO/LOC2"]
    assert Delivery.objects.filter(status="PENDING").count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        push_patch(cpo)  # the sender stopped: this push needs a task of its own
    assert queued == [receiver_id, receiver_id]
    delivery.woken(receiver_id)


def test_a_batch_records_every_outcome_and_attempt(cpo, emsp_api):
    emsp_api.respond = answering(ACCEPTED, (400, {}, {}))
    push_put(cpo)
    drain_all()
    push_patch(cpo)
    drain_all()
    assert emsp_api.requests() == [("PUT", PUT_PATH), ("PATCH", EVSE_PATH)]
    outcome = list(Delivery.objects.order_by("pk").values_list("status", "attempts"))
    assert outcome == [("DELIVERED", 1), ("REJECTED", 1)]
    assert DeliveryAttempt.objects.filter(http_status=400).count() == 1
    assert not Delivery.objects.exclude(claim=None).exists()


def test_a_delivery_committed_while_others_are_in_flight_goes_out_before_they_end(
    cpo, emsp_receiver, monkeypatch
):
    """Claims follow free sending slots, not whole batches: another object's push sent while
    LOC1 is in flight goes out at once; LOC1's next version only after LOC1's outcome."""
    from hub.client import Reply

    events, other_started = [], threading.Event()

    def send(request, receiver):
        path = request.url.removeprefix(EMSP_LOCATIONS)
        events.append(("start", request.method, path))
        if path == "NL/CPO/LOC1":  # held in flight until the other object was sent
            assert other_started.wait(5), "LOC2 waited for LOC1 to end"
        if path == "NL/CPO/LOC2":
            other_started.set()
        events.append(("end", request.method, path))
        return Reply(http_status=200, status_code=1000)

    sending = ThreadPoolExecutor(4)  # each request on a thread of its own, as on the wire

    claim, claims = delivery.claim, []

    def claim_then_push(*args, **kwargs):
        claimed = claim(*args, **kwargs)
        claims.append([d.message.object_id for d in claimed[1]])
        if len(claims) == 1:  # LOC1 is about to be sent: a new version of it and LOC2 arrive
            push_patch(cpo)
            cpo.client.put(
                "/ocpi/2.2.1/receiver/locations/NL/CPO/LOC2",
                json.dumps(location(id="LOC2")).encode(),
                content_type="application/json",
            )
        return claimed

    monkeypatch.setattr(delivery, "transmit", lambda *request: sending.submit(send, *request))
    monkeypatch.setattr(delivery, "claim", claim_then_push)
    push_put(cpo)
    with sending:
        delivery.drain(emsp_receiver.party.pk)
    # (a claim while LOC1 is in flight may find nothing: its PATCH waits for its outcome)
    assert [found for found in claims if found] == [["LOC1"], ["LOC2"], ["LOC1"]]
    started = [(kind, path) for kind, _, path in events]
    assert started.index(("start", "NL/CPO/LOC2")) < started.index(("end", "NL/CPO/LOC1"))
    assert started.index(("end", "NL/CPO/LOC1")) < started.index(("start", "NL/CPO/LOC1/EVSE1"))
    assert ("start", "PATCH", "NL/CPO/LOC1/EVSE1") in events  # as sent: LOC1 was delivered
    assert set(Delivery.objects.values_list("status", flat=True)) == {"DELIVERED"}


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/7")
def test_a_sender_that_went_on_after_clearing_its_flag_clears_it_again_before_it_stops(
    cpo, emsp_receiver, django_capture_on_commit_callbacks, monkeypatch
):
    """LOC2 arrives as the sender clears its flag (it queues a task, which finds the sender at
    work and ends, its flag left set); LOC3 arrives after the sender's next claim found nothing
    and finds that flag set: only the sender can send it, so it clears the flag again and
    claims once more before it stops."""
    from hub import tasks
    from hub.client import Reply

    queued, sent, late = [], [], []
    monkeypatch.setattr(tasks.deliver_to_receiver, "delay", queued.append)
    receiver_id = emsp_receiver.party.pk
    delivery.woken(receiver_id)  # nothing pending from an earlier run

    def put(object_id):
        with django_capture_on_commit_callbacks(execute=True):
            cpo.client.put(
                f"/ocpi/2.2.1/receiver/locations/NL/CPO/{object_id}",
                json.dumps(location(id=object_id)).encode(),
                content_type="application/json",
            )

    clear = delivery.woken

    def woken(receiver_id):
        clear(receiver_id)
        if not sent[1:]:
            put("LOC2")  # just after the sender cleared its flag: a task is queued

    def transmit(request, receiver):
        sent.append(request.url.removeprefix(EMSP_LOCATIONS))
        if sent[-1] == "NL/CPO/LOC2":
            assert delivery.drain(receiver_id) == {}  # LOC2's task: the sender is at work
        answered = Future()
        answered.set_result(Reply(http_status=200, status_code=1000))
        return answered

    claim = delivery.claim

    def claim_then_push(*args, **kwargs):
        claimed = claim(*args, **kwargs)
        if "NL/CPO/LOC2" in sent and not claimed[1] and not late:
            late.append(put("LOC3"))  # after a claim that found nothing; LOC2's flag is set
        return claimed

    monkeypatch.setattr(delivery, "woken", woken)
    monkeypatch.setattr(delivery, "transmit", transmit)
    monkeypatch.setattr(delivery, "claim", claim_then_push)
    with django_capture_on_commit_callbacks(execute=True):
        push_put(cpo)
    delivery.drain(receiver_id)
    assert queued == [receiver_id, receiver_id]  # LOC1's task and LOC2's, none for LOC3
    assert sent == ["NL/CPO/LOC1", "NL/CPO/LOC2", "NL/CPO/LOC3"]
    assert not Delivery.objects.filter(status="PENDING").exists()
    clear(receiver_id)


@pytest.mark.django_db(transaction=True)
def test_a_push_is_not_held_up_while_a_worker_claims_for_its_receiver(cpo, emsp_receiver):
    # A worker's claim holds the receiver's lock in its own transaction (its own connection).
    locked, release = threading.Event(), threading.Event()

    def claiming_worker():
        try:
            with transaction.atomic():
                delivery.lock_receiver(emsp_receiver.party.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()  # this thread's own connection

    worker = threading.Thread(target=claiming_worker)
    worker.start()
    assert locked.wait(10)
    with connection.cursor() as cursor:  # a push that has to wait fails instead of hanging
        cursor.execute("SET lock_timeout = '2s'")
    try:
        response = push_put(cpo)
    finally:
        release.set()
        worker.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert response.json()["status_code"] == 1000
    assert Delivery.objects.filter(receiver=emsp_receiver.party).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_task_woken_while_another_worker_sends_to_the_receiver_ends_without_waiting(
    cpo, emsp_receiver, emsp_api
):
    push_put(cpo)
    receiver_id = emsp_receiver.party.pk
    sending_lease, (claimed,) = delivery.claim(receiver_id)  # a worker is sending it...
    locked, release = threading.Event(), threading.Event()

    def claiming_again():  # ...and is in the middle of its next claim
        try:
            with transaction.atomic():
                delivery.lock_receiver(receiver_id)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=claiming_again)
    worker.start()
    assert locked.wait(10)
    with connection.cursor() as cursor:  # a task that queues on the lock fails, not hangs
        cursor.execute("SET lock_timeout = '2s'")
    try:
        assert delivery.drain(receiver_id) == {}
        assert emsp_api.received == []  # nothing sent a second time
    finally:
        release.set()
        worker.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    claimed.refresh_from_db()
    assert claimed.claim == sending_lease.token


# ---- a claim's cost --------------------------------------------------------------------


def rows_read(plan: dict) -> int:
    """Rows of hub_delivery a plan's nodes produced or filtered out (EXPLAIN ANALYZE JSON)."""
    read = 0
    if plan.get("Relation Name") == "hub_delivery":
        loops = plan.get("Actual Loops", 1)
        read += (plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)) * loops
    return read + sum(rows_read(child) for child in plan.get("Plans", []))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.parametrize("analyzed", ["after the backlog", "before the backlog"])
def test_a_claim_reads_the_rows_it_takes_not_the_backlog_or_the_history(
    cpo, emsp_receiver, analyzed
):
    receiver, other = emsp_receiver.party, cpo.parties.get()
    message = Message.objects.create(
        module="locations",
        method="PUT",
        owner_country_code="NL",
        owner_party_id="CPO",
        object_id="L",
        segments=["L"],
        body=b"{}",
        sender=other,
    )

    def insert(count: int, status: str, prefix: str):
        """Deliveries to the receiver and another party, taking turns (as a broadcast's)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO hub_delivery (message_id, receiver_id, object_key, status,"
                " full_object, attempts, next_attempt_at, retry_since, last_error, created_at)"
                " SELECT %s, CASE WHEN n %% 2 = 0 THEN %s ELSE %s END, %s || n, %s, false, 0,"
                " now(), now(), '', now() FROM generate_series(1, %s) n",
                [message.pk, receiver.pk, other.pk, f"locations:NL:CPO:{prefix}", status, count],
            )

    def analyze():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE hub_delivery")

    insert(100_000, Delivery.Status.DELIVERED, "OLD")  # the history a running hub keeps
    if analyzed == "before the backlog":  # statistics say nothing is pending
        analyze()
    # A backlog (the receivers were down) after the history: in id order, the primary key
    # reaches it only after every finished delivery.
    insert(6000, Delivery.Status.PENDING, "NEW")
    if analyzed == "after the backlog":
        analyze()
    reads = []

    def remember(execute, sql, params, many, context):
        if sql.startswith(("SELECT", "WITH")):
            reads.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(remember):
        _, batch = delivery.claim(receiver.pk)
    assert len(batch) == settings.DELIVERY_BATCH_SIZE
    read = 0
    with connection.cursor() as cursor:
        for sql, params in reads:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            read += rows_read(cursor.fetchone()[0][0]["Plan"])
    assert read <= 10 * settings.DELIVERY_BATCH_SIZE  # not the 3,000 waiting, nor the history


def test_on_sqlite_a_moment_stored_just_now_is_not_in_the_future(django_db_blocker):
    """The embedded default's clock has milliseconds, stored moments microseconds: a delivery
    queued in the same millisecond as a claim must be due to it (else it waits for the
    sweeper). Checked on an SQLite database of its own, whatever database the suite uses."""
    settings_dict = {"NAME": ":memory:", "USER": "", "PASSWORD": "", "HOST": "", "PORT": ""}
    settings_dict.update(OPTIONS={}, TEST={}, TIME_ZONE=None, CONN_MAX_AGE=0)
    settings_dict.update(CONN_HEALTH_CHECKS=False, AUTOCOMMIT=True, ATOMIC_REQUESTS=False)
    sqlite = SQLiteWrapper(settings_dict, alias="embedded-clock")
    now, params = Query(Delivery).get_compiler(connection=sqlite).compile(DatabaseNow())
    in_the_future = 0
    with django_db_blocker.unblock(), sqlite.cursor() as cursor:
        for _ in range(200):
            stored = sqlite.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(f"SELECT %s > {now}", [stored, *params])
            in_the_future += cursor.fetchone()[0]
    sqlite.close()
    assert in_the_future == 0  # (the ORM's own Now(): 198 of 200)
