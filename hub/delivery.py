"""Store-and-forward delivery, shared by every functional module (docs/delivery.md).

A module's action stores the object and calls `enqueue` in the same transaction (outbox);
after commit a worker `drain`s each receiver: it claims that receiver's due deliveries, sends
them over the pooled HTTP client and records every attempt. Policy for state objects: only the
latest version of an object is ever pending for a receiver; a PATCH (or a PUT of a part) goes
out as such only while the receiver got everything before it, otherwise the receiver gets the
full stored object as a PUT.
"""

import json
import logging
import queue
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import connections, transaction
from django.db.models import (
    DateTimeField,
    ExpressionWrapper,
    F,
    Q,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from agreements.policy import allowed_parties, exchange_condition, no_agreement, refused_now
from hub import ledger, metrics, sql
from hub.client import Reply, join_url, start_call
from hub.exceptions import OCPIError
from hub.models import Delivery, DeliveryAttempt, Message
from hub.redis_scripts import Script
from hub.routing import PartyRef
from hub.sql import DatabaseNow, placeholders, table
from hub.status import UNKNOWN_RECEIVER
from parties.models import ConnectionStatus, Endpoint, InterfaceRole, Party, Platform, Role

logger = logging.getLogger(__name__)

# Broadcast Push audience per sending role (transport_and_format, Message Routing: broadcast
# is for information meant for everyone the sender deals with): OTHER is an eMSP type of role,
# a CPO broadcast also reaches NAPs, SCSPs never get broadcasts.
BROADCAST_ROLES = {
    Role.CPO: (Role.EMSP, Role.NSP, Role.OTHER, Role.NAP),
    Role.EMSP: (Role.CPO,),
    Role.OTHER: (Role.CPO,),
}
Status = Delivery.Status


def _hook_registry(registry: dict):
    """A decorator factory: `@hook(module)` registers a module's function in `registry`."""

    def for_module(module: str):
        def register(function):
            registry[module] = function
            return function

        return register

    return for_module


# Per-module hooks of the engine:
# how a module renders its stored object when a receiver needs all of it: (segments, body) | None
_full_object_providers: dict[str, Callable[[Message], tuple[list[str], bytes] | None]] = {}
full_object_provider = _hook_registry(_full_object_providers)
# the query parameters a module's pushes carry besides the path (tokens: ?type=)
_request_params: dict[str, Callable[[Message], dict[str, str]]] = {}
request_params = _hook_registry(_request_params)
# what a module keeps from a receiver's accepting answer (a CDR's Location header)
_delivered_hooks: dict[str, Callable[[Delivery, "Reply"], None]] = {}
on_delivered = _hook_registry(_delivered_hooks)


# the owner's current objects shared with a receiver, as PUTs: (object_id, segments, body)
_current_objects: dict[str, Callable[[Party, Party], list]] = {}
current_objects = _hook_registry(_current_objects)


def stored_document_as_put(
    module: str,
    model,
    key: Callable[[Message], dict],
    id_field="id",
    object_id: Callable | None = None,
):
    """Register the common full-object provider: the stored copy's JSON document, found by
    owner and `key(message)` (lookups on `model`), sent as a PUT of the whole object.

    For a model that records who it is shared with (`SharedQuerySet`), also register how its
    current objects are replayed to a receiver (`replay`); `object_id(stored)` is the id of
    their messages (default: the document's `id_field`).
    """

    if hasattr(model.objects, "shared_with"):

        @current_objects(module)
        def current(owner: Party, receiver: Party) -> list[tuple[str, list[str], bytes]]:
            shared = model.objects.owned_by(*owner.ref).shared_with([receiver]).order_by("pk")
            return [
                (
                    object_id(stored) if object_id else stored.document[id_field],
                    [stored.document[id_field]],
                    _json_bytes(stored.document),
                )
                for stored in shared
            ]

    @full_object_provider(module)
    def provide(message: Message) -> tuple[list[str], bytes] | None:
        stored = (
            model.objects.owned_by(message.owner_country_code, message.owner_party_id)
            .filter(**key(message))
            .first()
        )
        if stored is None:
            return None
        return [stored.document[id_field]], _json_bytes(stored.document)

    return provide


def _json_bytes(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def shared_objects(
    module: str, owner: Party, receiver: Party
) -> list[tuple[str, list[str], bytes]]:
    """The owner's current objects of `module` shared with `receiver`, as replayed PUTs
    (object_id, segments, body); empty for modules that keep no shared copies."""
    provider = _current_objects.get(module)
    return provider(owner, receiver) if provider else []


def replay(module: str, owner: Party, receiver: Party) -> int:
    """Queue the owner's current objects of `module` that are shared with `receiver`, as PUTs
    (a roaming agreement started allowing them); inside a transaction. Returns how many.

    In bulk (a few statements per thousand objects): a CPO may have tens of thousands."""
    targets = _module_audience(module, owner, ids=[receiver.pk]).parties()
    objects = shared_objects(module, owner, receiver) if targets else []
    messages = Message.objects.bulk_create(
        (
            Message(
                module=module,
                method="PUT",
                owner_country_code=owner.country_code,
                owner_party_id=owner.party_id,
                object_id=object_id.upper(),
                segments=segments,
                body=body,
                sender=owner,
            )
            for object_id, segments, body in objects
        ),
        batch_size=500,
    )
    now = timezone.now()
    Delivery.objects.bulk_create(
        (
            Delivery(
                message=message,
                receiver=party,
                object_key=message.object_key,
                next_attempt_at=now,
                retry_since=now,
            )
            for message in messages
            for party in targets
        ),
        batch_size=500,
    )
    if messages:
        receiver_ids = [party.pk for party in targets]
        transaction.on_commit(lambda: wake(receiver_ids))
    return len(objects)


def hub_party_ref() -> PartyRef:
    return PartyRef(settings.HUB_COUNTRY_CODE, settings.HUB_PARTY_ID)


# ----------------------------------------------------------------------------------------
# Routing: who receives a push. The rule is written once, as a query on party ids, so that
# `enqueue` inserts the deliveries straight from it and `receivers` lists the same parties.


@dataclass(frozen=True)
class Audience:
    """The receivers of one push, as SQL selecting their party ids (`SELECT id ...`)."""

    sql: str
    params: tuple = ()

    @classmethod
    def of(cls, parties) -> "Audience":
        ids = tuple(party.pk for party in parties)
        if not ids:
            return NOBODY
        return cls(f"SELECT id FROM {table(Party)} WHERE id IN ({placeholders(ids)})", ids)

    def parties(self) -> list[Party]:
        """The receiving parties (with their platforms), in the order of their ids."""
        found = Party.objects.filter(pk__in=RawSQL(self.sql, self.params))
        return list(found.select_related("platform"))


NOBODY = Audience("SELECT id FROM (SELECT 0 AS id) nobody WHERE 1 = 0")


def audience(module: str, sender: Party, to_ref: PartyRef | None) -> Audience:
    """The parties a push from `sender` goes to; OCPIError 4001 when `to_ref` is unknown.

    No OCPI-to, or OCPI-to naming the hub: every connected party of the receiving roles whose
    platform advertises the module's RECEIVER interface and that may exchange the module with
    the sender (roaming agreements), never the sender itself. OCPI-to naming a party: see
    `routed_audience`.
    """
    if not is_broadcast(to_ref):
        return routed_audience(module, sender, to_ref)
    if sender.archived_at is not None:
        return NOBODY
    return _module_audience(
        module,
        sender,
        roles=BROADCAST_ROLES.get(sender.role, ()),
        condition=exchange_condition(sender, module, "p.id"),
    )


def is_broadcast(to_ref: PartyRef | None) -> bool:
    """A push without OCPI-to, or with OCPI-to naming the hub, goes to everyone (for the
    modules that broadcast: locations, tariffs, tokens; transport_and_format, Broadcast Push)."""
    return to_ref is None or to_ref == hub_party_ref()


def push_sender_ref(delivery: Delivery) -> PartyRef:
    """OCPI-from of a push as the hub delivers it: the original sender (the object's owner,
    the only party that may push it) on direct and open routing, the hub on a broadcast
    (transport_and_format, Message Routing Headers)."""
    message = delivery.message
    if message.broadcast:
        return hub_party_ref()
    return PartyRef(message.owner_country_code, message.owner_party_id)


def routed_audience(
    module: str,
    sender: Party,
    to_ref: PartyRef,
    roles: tuple[str, ...] | None = None,
    started_at: datetime | None = None,
) -> Audience:
    """The one party a push addressed to `to_ref` goes to (of `roles`); never a broadcast.

    OCPIError 4001 when no such party is registered, 4000 when no roaming agreement lets the
    pair exchange the module (`started_at`: the start of the session a Session or CDR is of);
    nobody when it is not connected or has no RECEIVER interface for the module (the object
    is stored, the party pulls it).
    """
    known = Party.objects.by_id(to_ref.country_code, to_ref.party_id)
    if roles is not None:
        known = known.filter(role__in=roles)
    known = list(known)
    if not known:
        raise OCPIError(UNKNOWN_RECEIVER, f"Unknown receiver {to_ref}")
    known = [party for party in known if party.pk != sender.pk]
    if not known:
        return NOBODY
    allowed = allowed_parties(sender, module, known, started_at=started_at)
    if not allowed:
        raise no_agreement(sender, known[0], module)
    parties = _module_audience(module, sender, ids=[party.pk for party in allowed]).parties()
    # One party per platform: a platform hosting the id in two roles (EMSP and NSP, say) gets
    # the push once, for the first of `roles` it hosts.
    preference = {role: index for index, role in enumerate(roles or ())}
    chosen: dict[int, Party] = {}
    for party in sorted(parties, key=lambda party: preference.get(party.role, len(preference))):
        chosen.setdefault(party.platform_id, party)
    return Audience.of(chosen.values())


def receivers(module: str, sender: Party, to_ref: PartyRef | None) -> list[Party]:
    """The parties of `audience`, as Party instances."""
    return audience(module, sender, to_ref).parties()


def routed_receivers(
    module: str,
    sender: Party,
    to_ref: PartyRef,
    roles: tuple[str, ...] | None = None,
    started_at: datetime | None = None,
) -> list[Party]:
    """The parties of `routed_audience`, as Party instances."""
    return routed_audience(module, sender, to_ref, roles, started_at).parties()


def _module_audience(
    module: str,
    sender: Party,
    *,
    roles: tuple[str, ...] | None = None,
    ids: list[int] | None = None,
    condition: tuple[str, list] | None = None,
) -> Audience:
    """Parties that can receive the module's pushes now (of `roles`, among `ids`, meeting
    the SQL `condition` on `p`), never the sender: not archived, and their platform is
    connected and advertises the module's RECEIVER interface.

    Billing data (modules whose policy parks) also waits for an OFFLINE party (retried until it
    is back) and a SUSPENDED one (parked until it is reinstated): it is never left to a pull
    the party may never make.
    """
    if (roles is not None and not roles) or (ids is not None and not ids):
        return NOBODY
    statuses = [ConnectionStatus.CONNECTED]
    if retry_policy(module).park:
        statuses += [ConnectionStatus.OFFLINE, ConnectionStatus.SUSPENDED]
    where = [
        "p.id <> %s",
        "p.archived_at IS NULL",
        f"platform.status IN ({placeholders(statuses)})",
        f"EXISTS (SELECT 1 FROM {table(Endpoint)} e WHERE e.platform_id = platform.id"
        " AND e.identifier = %s AND e.role = %s)",
    ]
    params = [sender.pk, *statuses, module, InterfaceRole.RECEIVER]
    if roles is not None:
        where.append(f"p.role IN ({placeholders(roles)})")
        params += roles
    if ids is not None:
        where.append(f"p.id IN ({placeholders(ids)})")
        params += ids
    if condition is not None:
        where.append(condition[0])
        params += condition[1]
    return Audience(
        f"SELECT p.id FROM {table(Party)} p"
        f" JOIN {table(Platform)} platform ON platform.id = p.platform_id"
        f" WHERE {' AND '.join(where)}",
        tuple(str(param) if isinstance(param, str) else param for param in params),
    )


def enqueue(
    *,
    module: str,
    method: str,
    owner: PartyRef,
    object_id: str,
    segments: list[str],
    body: bytes,
    sender: Party,
    receivers: "list[Party] | Audience",
    correlation_id: str = "",
    broadcast: bool = False,
    stored=None,
    upsert_on=(),
    unchanged_since=None,
) -> Message:
    """Record a push and one delivery per receiver, with the pushed object's write (`stored`)
    or inside the transaction that stored it.

    One statement on PostgreSQL whatever the number of receivers: the Message, and its
    Deliveries inserted straight from the receivers query (`sql.insert_with_rows`); with
    `stored`, the model instance of the pushed object is written (inserted or updated, or
    with `upsert_on` either, unread; with `unchanged_since`, only if its row is still that
    version, else nothing is written and `sql.Changed` is raised: `sql.write_statement`) by
    that statement too. Only
    inserts: older versions still waiting for a receiver are superseded when that receiver's
    next batch is claimed (`claim`), so the request path never waits on rows a worker holds
    (nor deadlocks with it).
    """
    connection = connections[Message.objects.db]
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    message = Message(
        module=module,
        method=method,
        owner_country_code=owner.country_code,
        owner_party_id=owner.party_id,
        object_id=object_id.upper(),
        segments=segments,
        body=body,
        sender=sender,
        correlation_id=correlation_id[:100],
        broadcast=broadcast,
        created_at=now,
    )
    # The columns' values as the model fields would convert them, without their machinery:
    # building these rows through the fields cost more than inserting them.
    values = {
        "module": message.module,
        "method": method,
        "owner_country_code": message.owner_country_code,
        "owner_party_id": message.owner_party_id,
        "object_id": message.object_id,
        "segments": connection.ops.adapt_json_value(segments, None),
        "body": body,
        "correlation_id": message.correlation_id,
        "broadcast": broadcast,
        "sender_id": sender.pk,
        "created_at": stamp,
    }
    audience = receivers if isinstance(receivers, Audience) else Audience.of(receivers)
    deliveries = {
        "object_key": message.object_key,
        "status": Status.PENDING.value,
        "full_object": False,
        "attempts": 0,
        "next_attempt_at": stamp,
        "retry_since": stamp,
        "last_error": "",
        "created_at": stamp,
    }
    message.pk, receiver_ids = sql.insert_with_rows(
        Message,
        values,
        Delivery,
        deliveries,
        "message_id",
        "receiver_id",
        audience.sql,
        audience.params,
        along=stored,
        upsert_on=upsert_on,
        unchanged_since=unchanged_since,
        using=connection.alias,
    )
    message._state.adding, message._state.db = False, connection.alias  # as after save()
    transaction.on_commit(lambda: metrics.count_push(module))
    if receiver_ids:
        transaction.on_commit(lambda: wake(receiver_ids))
    return message


# ----------------------------------------------------------------------------------------
# Waking the workers
#
# One task per receiver, not per push: pushes to a receiver that is being sent to cost no task.
# `wake` queues a task only if the receiver's wake-up flag (a Redis key set with NX) is not
# set. The flag stands for "a task is queued or a sender is at work": the sender clears it
# only when it is about to stop, and then claims once more (`send`). A delivery committed
# before a wake-up that found the flag set is therefore seen by that last claim; one whose
# wake-up came after the flag was cleared queued a task of its own. The flag's TTL bounds the
# damage of a lost task; the sweeper is the fallback. Without Redis (the embedded broker),
# every wake-up is a task.


def wake(receiver_ids) -> None:
    """Make sure a worker drains each receiver soon (after the deliveries are committed)."""
    from hub.tasks import deliver_to_receiver

    receiver_ids = list(receiver_ids)
    try:
        unflagged = _wake_flags().set_pending(receiver_ids)
    except Exception:  # the broker is down: the sweeper finds the deliveries later
        logger.exception("Could not wake receivers %s; the sweeper will", receiver_ids)
        return
    for receiver_id in unflagged:
        try:
            deliver_to_receiver.delay(receiver_id)
        except Exception:  # likewise
            logger.exception("Could not wake receiver %s; the sweeper will", receiver_id)


def woken(receiver_id: int) -> None:
    """The receiver's sender is about to stop: later pushes need a task of their own."""
    try:
        _wake_flags().clear(receiver_id)
    except Exception:  # the key expires by itself; a later push then queues a task
        logger.exception("Could not clear the wake-up flag of receiver %s", receiver_id)


def hand_over(receiver_id: int) -> None:
    """Queue a task to go on sending to the receiver; its wake-up flag stays set for it."""
    from hub.tasks import deliver_to_receiver

    try:
        deliver_to_receiver.delay(receiver_id)
    except Exception:  # the broker is down: free the flag, so the sweeper's wake-up counts
        logger.exception("Could not hand receiver %s over; the sweeper will", receiver_id)
        woken(receiver_id)


class _RedisWakeFlags:
    # SET NX EX of every key in one command; the 1-based positions of the keys it set.
    SET_PENDING = """
    local fresh = {}
    for index, key in ipairs(KEYS) do
        if redis.call('SET', key, 1, 'NX', 'EX', ARGV[1]) then fresh[#fresh + 1] = index end
    end
    return fresh
    """

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.set_pending_script = Script(self.client, self.SET_PENDING)

    @staticmethod
    def key(receiver_id: int) -> str:
        # Hubs sharing a Redis database (e.g. test runs) do not share receiver ids.
        return f"ocpi-hub:{settings.DATABASES['default']['NAME']}:wake:{receiver_id}"

    def set_pending(self, receiver_ids: list[int]) -> list[int]:
        """Flag the receivers (one command); returns those that had no flag yet."""
        ttl = max(1, round(settings.DELIVERY_WAKE_TTL))
        keys = [self.key(receiver_id) for receiver_id in receiver_ids]
        fresh = self.set_pending_script(keys=keys, args=[ttl])
        return [receiver_ids[index - 1] for index in fresh]

    def clear(self, receiver_id: int) -> None:
        self.client.delete(self.key(receiver_id))


class _NoWakeFlags:
    def set_pending(self, receiver_ids) -> list[int]:
        return list(receiver_ids)

    def clear(self, receiver_id: int) -> None:
        pass


_wake_flag_store = None


def _wake_flags():
    global _wake_flag_store
    url = settings.CELERY_BROKER_URL
    if _wake_flag_store is None or getattr(_wake_flag_store, "url", None) != url:
        redis_broker = url.startswith(("redis://", "rediss://"))
        _wake_flag_store = _RedisWakeFlags(url) if redis_broker else _NoWakeFlags()
        _wake_flag_store.url = url
    return _wake_flag_store


@dataclass(frozen=True)
class RetryPolicy:
    base: float
    cap: float
    max_attempts: int
    max_age: float
    park: bool

    def delay(self, attempts: int) -> float:
        return min(self.cap, self.base * 2 ** max(attempts - 1, 0))


def retry_policy(module: str) -> RetryPolicy:
    return RetryPolicy(
        **{**settings.DELIVERY_RETRY, **settings.DELIVERY_RETRY_PER_MODULE.get(module, {})}
    )


# ----------------------------------------------------------------------------------------
# Sending
#
# A worker drains one receiver at a time: it claims a batch of the receiver's due deliveries
# (the latest version of each object only, so every delivery in a batch is a different object)
# and sends up to `Platform.max_in_flight` of them at the same time over pooled keep-alive
# connections. Database work (rendering a full object, writing outcomes, renewing the claim)
# stays in the draining thread; the sending threads only make HTTP calls.

# Configuration modules carry no OCPI-to/OCPI-from headers (transport_and_format, Message
# Routing: the routing headers belong to the functional modules).
CONFIGURATION_MODULES = ("hubclientinfo",)

# A pending delivery, as a literal: the generic plan of a prepared statement can use the
# partial indexes of pending deliveries (hub.models) for a literal, never for a parameter.
PENDING_SQL = f"status = '{Status.PENDING}'"


def claim(
    receiver_id: int,
    limit: int | None = None,
    *,
    lease: "Lease | None" = None,
    sent: "list[Outcome] | tuple" = (),
    held_keys=(),
) -> tuple["Lease", list[Delivery]]:
    """Claim a batch of the receiver's due deliveries; nothing while another worker sends to it.

    One sender per receiver at a time keeps each object's versions in order. The receiver's
    row lock serializes claimers on PostgreSQL; SQLite serializes write transactions anyway.
    A claim that expired belonged to a lost worker: it is claimed again and noted as an attempt.
    Every time is the database's (`DatabaseNow()`), so workers with skewed clocks agree on expiry.
    A fixed number of statements per batch, whatever its size.

    A worker that is still sending under `lease` claims more with it: the outcomes it has
    (`sent`) are written in the same transaction first, and objects it still has in flight
    (`held_keys`) are left for a later claim, so one object's versions still go out one after
    the other.
    """
    lease = lease or Lease(receiver_id)
    claimed = _claim(receiver_id, limit, lease, sent, held_keys)
    metrics.count_outcomes(sent)
    return claimed


def _claim(receiver_id, limit, lease, sent, held_keys) -> tuple["Lease", list[Delivery]]:
    # Plain SQL (hub.sql): a worker claims many times a second, and composing these
    # statements through the ORM cost more CPU than sending what they claim.
    with transaction.atomic():
        _write(sent, lease)
        lock_receiver(receiver_id)
        with connections[Delivery.objects.db].cursor() as cursor:
            if _claimed_by_another(cursor, receiver_id, lease):
                return lease, []
            due = _newest_due(cursor, receiver_id, limit or settings.DELIVERY_BATCH_SIZE, held_keys)
        if not due:
            return lease, []
        batch = withheld(due, DatabaseNow())  # agreements suspended since enqueue
        if not batch:  # all withheld: more may be due behind them
            transaction.on_commit(lambda: wake([receiver_id]))
            return lease, []
        # Older versions of these objects (waiting for their retry time, or committed too late
        # for the query above) are replaced by the latest.
        _update(
            older_versions(batch),
            status=Status.SUPERSEDED,
            finished_at=Later(),
            claim=None,
            claimed_until=None,
        )
        lost = [d for d in batch if d.claimed_until is not None]  # a worker died with them
        if lost:
            DeliveryAttempt.objects.bulk_create(
                DeliveryAttempt(
                    delivery=delivery,
                    started_at=delivery.claimed_until,
                    method="-",
                    url="",
                    error="claim expired: the worker was lost before finishing; sending again",
                )
                for delivery in lost
            )
        full = [d for d in batch if not d.full_object and _needs_full_object(d)]
        _update([d.pk for d in full], full_object=True)
        if not lease.held:  # (deliveries it holds already keep the expiry of their last renewal)
            lease.started()
        _update(
            [d.pk for d in batch],
            claim=lease.token,
            claimed_until=Later(settings.DELIVERY_CLAIM_TIMEOUT),
            attempts=Increment(),
        )
        for delivery in batch:
            delivery.attempts += 1
            delivery.full_object = delivery.full_object or delivery in full
    lease.held.update(d.pk for d in batch)
    return lease, batch


def _claimed_by_another(cursor, receiver_id: int, lease: "Lease | None") -> bool:
    """A live claim on the receiver's pending deliveries that is not `lease`'s (any, for None).

    Only pending deliveries have an expiry (an outcome clears it), and the status is left out
    so that only the index of claimed deliveries fits: with statistics from before a backlog,
    the planner takes any index of pending deliveries for empty and may read the backlog."""
    now, params = _clock()
    other = ""
    if lease is not None:
        other = " AND (claim IS NULL OR claim <> %s)"
        params = [*params, _db_value("claim", lease.token)]
    cursor.execute(
        f"SELECT 1 FROM {table(Delivery)} WHERE receiver_id = %s"
        f" AND claimed_until > {now}{other} LIMIT 1",
        [receiver_id, *params],
    )
    return cursor.fetchone() is not None


def _newest_due(cursor, receiver_id: int, size: int, held_keys) -> list[Delivery]:
    """The receiver's due deliveries of the `size` objects next in line (those in flight,
    `held_keys`, left out), each object in its newest version when that one is due, oldest
    first, with its message and the status of the receiver's previous delivery of the object
    (`previous_status`).

    A receiver with a backlog (down for a while, or slower than the pushes) gets each
    object's latest state once, not every version in turn, batch after batch.
    """
    now, now_params = _clock()
    held = list(held_keys)
    # The receiver as a range, and the order as (receiver, id): only the index of pending
    # deliveries by receiver and id gives that order. With `receiver_id = %s` the primary key
    # gives it too, and statistics that show a backlog make the planner walk the primary key
    # from the first id: through the whole history before the first pending delivery (200,000
    # rows, 24-55 ms a claim, in a benchmark's drain after an outage-sized backlog).
    due = f"receiver_id >= %s AND receiver_id <= %s AND {PENDING_SQL} AND next_attempt_at <= {now}"
    due_params = [receiver_id, receiver_id, *now_params]
    if held:
        due += f" AND object_key NOT IN ({placeholders(held)})"
        due_params += held
    # Each object's newest version is looked up object by object (a correlated subquery,
    # which the planner cannot turn into a scan of the backlog), among all the receiver's
    # deliveries of it: a condition on the status would let the planner take an index of
    # pending deliveries, and with statistics from before a backlog it takes any of them for
    # empty, reading the receiver's whole backlog for each object. The newest is taken when it
    # is due; otherwise (a retry waiting, or one delivered after an admin queued an older one
    # again) the newest of the object's deliveries next in line is.
    deliveries = table(Delivery)
    cursor.execute(
        "WITH next AS MATERIALIZED (SELECT object_key, MAX(id) AS in_line FROM "
        f"(SELECT object_key, id FROM {deliveries} WHERE {due} ORDER BY receiver_id, id LIMIT %s)"
        " first_due"
        " GROUP BY object_key), newest AS MATERIALIZED (SELECT COALESCE((SELECT CASE WHEN"
        f" n.{PENDING_SQL} AND n.next_attempt_at <= {now} THEN n.id END FROM {deliveries} n"
        " WHERE n.receiver_id = %s AND n.object_key = next.object_key ORDER BY n.id DESC"
        " LIMIT 1), next.in_line) AS id FROM next) "
        f"SELECT {sql.columns(Delivery, 'd')}, {sql.columns(Message, 'm')}, ("
        f"SELECT p.status FROM {deliveries} p WHERE p.receiver_id = d.receiver_id"
        " AND p.object_key = d.object_key AND p.id < d.id ORDER BY p.id DESC LIMIT 1) "
        f"FROM newest JOIN {deliveries} d ON d.id = newest.id"
        f" JOIN {table(Message)} m ON m.id = d.message_id ORDER BY d.id",
        [*due_params, size, *now_params, receiver_id],
    )
    split = len(Delivery._meta.concrete_fields)
    batch = []
    for row in cursor.fetchall():
        delivery = sql.from_row(Delivery, row[:split], Delivery.objects.db)
        delivery.message = sql.from_row(Message, row[split:-1], Delivery.objects.db)
        delivery.previous_status = row[-1]
        batch.append(delivery)
    return batch


def lock_receiver(receiver_id: int) -> None:
    """Take the receiver's claim lock until the end of the transaction.

    FOR NO KEY UPDATE, not FOR UPDATE: every push's Delivery row references its receiver, and
    PostgreSQL checks that reference at COMMIT with FOR KEY SHARE, which FOR UPDATE blocks. A
    worker claiming for a receiver would hold up every push to it until the claim ends.
    (SQLite serializes write transactions: there is nothing to lock.)
    """
    connection = connections[Party.objects.db]
    lock = " FOR NO KEY UPDATE" if connection.features.has_select_for_no_key_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table(Party)} WHERE id = %s{lock}", [receiver_id])


@dataclass(frozen=True)
class Later:
    """A moment this many seconds from now, on the database clock (0: now)."""

    seconds: float = 0.0


class Increment:
    """The field's value plus one."""


def _update(pks: list[int], *, claimed_by: "Lease | None" = None, **changes) -> int:
    """One UPDATE of the deliveries `pks` (those still under `claimed_by`'s claim, when given):
    `changes` maps fields to values, `Later` times or `Increment()`."""
    if not pks:
        return 0
    connection = connections[Delivery.objects.db]
    quote = connection.ops.quote_name
    assignments, params = [], []
    for name, value in changes.items():
        column = quote(Delivery._meta.get_field(name).column)
        if isinstance(value, Later):
            moment, moment_params = _clock(value.seconds)
            assignments.append(f"{column} = {moment}")
            params += moment_params
        elif isinstance(value, Increment):
            assignments.append(f"{column} = {column} + 1")
        else:
            assignments.append(f"{column} = %s")
            params.append(_db_value(name, value))
    where = f"id IN ({placeholders(pks)})"
    params += pks
    if claimed_by is not None:
        where += " AND claim = %s"
        params.append(_db_value("claim", claimed_by.token))
    with connection.cursor() as cursor:
        assigned = ", ".join(assignments)
        cursor.execute(f"UPDATE {table(Delivery)} SET {assigned} WHERE {where}", params)
        return cursor.rowcount


def _db_value(name: str, value):
    """A Delivery field's value as the database stores it (a UUID is text on SQLite)."""
    field = Delivery._meta.get_field(name)
    return field.get_db_prep_save(value, connections[Delivery.objects.db])


def _clock(seconds: float = 0.0) -> tuple[str, list]:
    """SQL and parameters for a moment `seconds` from now on the database clock."""
    moment = _after(seconds) if seconds else DatabaseNow()
    return sql.compiled(moment, Delivery.objects.db)


def withheld(batch: list[Delivery], now) -> list[Delivery]:
    """The claimed deliveries that may still go out; those no agreement allows any more, and
    the older versions of their objects still pending, become WITHHELD."""
    refused = refused_now(batch)
    if not refused:
        return batch
    refused_pks = {d.pk for d in refused}
    Delivery.objects.filter(pk__in=[*refused_pks, *older_versions(refused)]).update(
        status=Status.WITHHELD,
        finished_at=now,
        claim=None,
        claimed_until=None,
        last_error="withheld: no roaming agreement allows this module between the pair now",
    )
    return [d for d in batch if d.pk not in refused_pks]


def older_versions(deliveries: list[Delivery]) -> list[int]:
    """The pending deliveries to the same receiver of the same objects, older than these
    (one per object).

    Older by each object's own ids: a push locks its object while it stores it, so one
    object's versions are numbered in the order they were stored, while an id taken by a push
    of another object may be committed after a higher one.
    """
    newest = {d.object_key: d.pk for d in deliveries}
    keys = list(newest)
    with connections[Delivery.objects.db].cursor() as cursor:
        cursor.execute(
            f"SELECT id, object_key FROM {table(Delivery)} WHERE receiver_id = %s"
            f" AND {PENDING_SQL} AND object_key IN ({placeholders(keys)}) AND id < %s",
            [deliveries[0].receiver_id, *keys, max(newest.values())],
        )
        return [pk for pk, key in cursor.fetchall() if pk < newest[key]]


def _needs_full_object(delivery: Delivery) -> bool:
    """A partial push (a PATCH, a PUT of an EVSE) may go out as sent only on its first attempt,
    and only if the receiver got the version before it.

    A retry is sent in full because the first try may have been applied without the hub
    learning it (a timeout, a 5xx after the write, a worker lost mid-send): a Session PATCH
    appends charging periods, so sending it twice would double energy and cost at the eMSP.
    `previous_status` is the status of the receiver's previous delivery of the object when it
    was claimed: one still pending is superseded by this one, so it did not arrive either.
    """
    if delivery.message.is_full_object:
        return False
    if delivery.attempts > 0:
        return True
    return delivery.previous_status not in (None, Status.DELIVERED)


class Lease:
    """A worker's claim on a batch, renewed while the batch is being sent.

    The expiry lives in the database (`claimed_until`, on the database clock); the worker only
    measures how long ago it last renewed. It starts a send only while that send is sure to end
    (`OCPI_REQUEST_DEADLINE`) before the claim could expire, so no other worker can claim the
    same deliveries and send them a second time, or send an older version after a newer one.
    """

    def __init__(self, receiver_id: int):
        self.receiver_id = receiver_id
        self.token = uuid.uuid4()
        self.held: set[int] = set()  # deliveries under this claim not yet written
        self.lost = False
        self._renewed_at = 0.0

    @property
    def renewed_at(self) -> float:
        return self._renewed_at

    def started(self) -> None:
        self._renewed_at = time.monotonic()  # just before the statement that sets the expiry

    @staticmethod
    def send_window() -> float:
        """How long after a renewal a send may still start."""
        return settings.DELIVERY_CLAIM_TIMEOUT - request_deadline()

    @classmethod
    def renew_interval(cls) -> float:
        """A quarter of the send window (26 s by default). A renewal rewrites every row the
        claim holds: renewed every second, 20 receivers 100 ms away kept PostgreSQL half as
        busy with renewals as with the claims and outcomes of the deliveries themselves."""
        return cls.send_window() / 4

    def due_for_renewal(self) -> bool:
        since = time.monotonic() - self._renewed_at
        return bool(self.held) and not self.lost and since >= self.renew_interval()

    def may_send(self) -> bool:
        return not self.lost and time.monotonic() - self._renewed_at < self.send_window()

    def renew(self) -> bool:
        """Push the expiry forward; False (and no more sends) when the claim was taken over."""
        if self.lost or not self.held:
            return not self.lost
        renewing_at = time.monotonic()
        expiry, params = _clock(settings.DELIVERY_CLAIM_TIMEOUT)
        # By id: the rows are found by the primary key whatever the table's statistics say.
        held = list(self.held)
        with connections[Delivery.objects.db].cursor() as cursor:
            cursor.execute(
                f"UPDATE {table(Delivery)} SET claimed_until = {expiry}"
                f" WHERE id IN ({placeholders(held)}) AND claim = %s",
                [*params, *held, _db_value("claim", self.token)],
            )
            kept = cursor.rowcount
        if kept < len(self.held):
            self.lost = True
            logger.warning("Claim on receiver %s was taken over; stopping", self.receiver_id)
        else:
            self._renewed_at = renewing_at
        return not self.lost


def request_deadline() -> float:
    """The longest one call to a party can take (connect, then the answer)."""
    return settings.OCPI_CONNECT_TIMEOUT + settings.OCPI_REQUEST_TIMEOUT


def _receiver(receiver_id: int) -> Party | None:
    return (
        Party.objects.select_related("platform")
        .prefetch_related("platform__endpoints")
        .filter(pk=receiver_id)
        .first()
    )


def sending_elsewhere(receiver_id: int) -> bool:
    """A live claim on the receiver's deliveries (another task is sending to it)."""
    with connections[Delivery.objects.db].cursor() as cursor:
        return _claimed_by_another(cursor, receiver_id, None)


def drain(receiver_id: int, max_batches: int = 20) -> dict[str, int]:
    """Send the receiver's due deliveries (`send`).

    After `max_batches` claims that found deliveries it hands over to a new task (other
    receivers get their turn); when the receiver could not take a delivery (down, throttling)
    it stops until the retry time.

    A task woken while another worker holds a live claim on the receiver ends at once: that
    worker claims again after writing its outcomes (`send`), so it also sends what the
    wake-up was for. Without this, every push made while a receiver is being drained started
    a task that queued on the receiver's lock only to find the claim taken.
    """
    if sending_elsewhere(receiver_id):
        return {}  # (its wake-up flag is that worker's to clear)
    handed_over = False
    try:
        receiver = _receiver(receiver_id)
        if receiver is None:
            return {}
        outcomes, more = send(receiver, max_batches)
        if more:
            hand_over(receiver_id)
            handed_over = True
        return outcomes
    finally:
        if not handed_over:  # (already cleared by a sender that stopped after its last claim)
            woken(receiver_id)


@dataclass
class Outcome:
    """What became of one claimed delivery, to be written with the rest of its batch."""

    delivery: Delivery
    status: str  # a Delivery status; PENDING = retry after `retry_in` seconds
    error: str = ""
    attempt: "Attempt | None" = None
    retry_in: float = 0.0
    throttled: bool = False

    @property
    def name(self) -> str:
        if self.status != Status.PENDING:
            return self.status.lower()
        if self.throttled:
            return "throttled"
        http_status = self.attempt.http_status if self.attempt else None
        return "unreachable" if http_status is None else "retry"


@dataclass
class Request:
    """One delivery as it goes on the wire (rendered by the draining thread)."""

    delivery: Delivery
    method: str
    url: str
    body: bytes


# Results are written at least this often.
RECORD_INTERVAL = 1.0
# While requests are in flight and the last claim found nothing, claim again at most this often.
REFILL_INTERVAL = 0.2
# Claims follow one another at least this far apart: a claim costs more than sending what it
# finds, and against a receiver that answers at once a claim per free slot took a claim per
# delivery. The price is at most this much added to a delivery's way through the hub.
CLAIM_GAP = 0.05


def send(receiver: Party, max_batches: int = 20) -> tuple[dict[str, int], bool]:
    """Send the receiver's due deliveries, up to the platform's `max_in_flight` at a time.

    Claims are made under one lease as sending slots free up, not batch after batch: a
    delivery committed while others are in flight goes out as soon as a slot is free, not
    after the slowest request of a batch. A claim never takes an object that is in flight (its
    next version waits for that outcome), so deliveries in flight are independent of each
    other. When the receiver cannot be reached or throttles, no further request starts; what
    was not tried is given back without counting an attempt.

    The last claim is made after every outcome is written and after the receiver's wake-up
    flag was cleared, and finds nothing: a push whose wake-up found the flag set, or a task
    that found this claim alive and ended, left nothing behind. Returns the outcomes and
    whether deliveries may be left (after `max_batches` claims that found some).
    """
    receiver_id = receiver.pk
    lease = Lease(receiver_id)
    outcomes: dict[str, int] = {}
    todo: deque[Delivery] = deque()
    in_flight: dict[Future, tuple[Request, datetime]] = {}
    # Each call's future is put here as it completes: waiting on the queue costs the same with
    # 1 or 16 calls in flight (`concurrent.futures.wait` hooks a waiter onto every pending
    # future each time, a cost per completion that grows with the calls in flight).
    completed: queue.SimpleQueue[Future] = queue.SimpleQueue()
    done: list[Outcome] = []
    stop_reason: Outcome | None = None
    claims, found, settled, released = 0, True, False, False
    last_write = loaded_at = time.monotonic()
    last_claim = float("-inf")

    def claim_more() -> None:
        nonlocal done, found, settled, claims, last_claim, last_write, released
        held = {request.delivery.object_key for request, _ in in_flight.values()}
        settled = not held  # every outcome is written by this claim
        _, batch = claim(receiver_id, lease=lease, sent=done, held_keys=held)
        _count(done, outcomes)
        done, found = [], bool(batch)
        claims += found
        # Sending goes on: the flag may be set again by a task that found this claim alive
        # and ended, so stopping clears it again before a last claim.
        released = released and not found
        last_claim = last_write = time.monotonic()
        todo.extend(batch)

    while True:
        limit = max(1, receiver.platform.max_in_flight)
        may_claim = stop_reason is None and not lease.lost and claims < max_batches
        may_refill = may_claim and not todo and len(in_flight) < limit
        since = time.monotonic() - last_claim
        refill = since >= REFILL_INTERVAL or (since >= CLAIM_GAP and (found or not in_flight))
        if may_refill and refill:
            if time.monotonic() - loaded_at >= RECORD_INTERVAL:  # suspended, endpoints gone
                receiver, loaded_at = _receiver(receiver_id) or receiver, time.monotonic()
            claim_more()
        while todo and len(in_flight) < limit and stop_reason is None and lease.may_send():
            delivery = todo.popleft()
            prepared = prepare(delivery, receiver)
            if isinstance(prepared, Outcome) and loaded_at < last_claim:
                # Reinstated (or its endpoint back) after the record was read: that change
                # requeued what it had parked, and this claim must not park it again.
                receiver, loaded_at = _receiver(receiver_id) or receiver, time.monotonic()
                prepared = prepare(delivery, receiver)
            if isinstance(prepared, Outcome):
                done.append(prepared)
            else:
                future = transmit(prepared, receiver)
                in_flight[future] = (prepared, timezone.now())
                future.add_done_callback(completed.put)
        if not in_flight:
            if todo or not may_claim or (settled and not found and released):
                break
            if settled and not found:  # about to stop: pushes from now on wake a task, and
                woken(receiver_id)  # those committed before are seen by one more claim
                released = True
            time.sleep(max(0.0, CLAIM_GAP - (time.monotonic() - last_claim)))
            continue
        timeout = RECORD_INTERVAL - (time.monotonic() - last_write)
        # Wake for the next claim only when it could be made: with every slot taken (or work
        # left to send) the refill time is passed over, else the wait would spin at zero.
        may_refill = may_claim and not todo and len(in_flight) < limit
        if may_refill:
            pause = CLAIM_GAP if found else REFILL_INTERVAL
            timeout = min(timeout, pause - (time.monotonic() - last_claim))
        if lease.held and not lease.lost:
            timeout = min(timeout, lease.renew_interval() - (time.monotonic() - lease.renewed_at))
        for future in _completed(completed, timeout):
            (request, started), reply = in_flight.pop(future), future.result()
            ledger.record_answer(
                receiver.platform, request.delivery.message.module, reply, reply.request_id
            )
            outcome = judge(request, reply, started)
            done.append(outcome)
            if outcome.name in ("unreachable", "throttled") and stop_reason is None:
                stop_reason = outcome
        if time.monotonic() - last_write >= RECORD_INTERVAL:
            record(done, lease)
            _count(done, outcomes)
            done, last_write = [], time.monotonic()
        if lease.due_for_renewal():  # (claims follow one another: they do not renew it)
            lease.renew()
    record(done, lease)
    _count(done, outcomes)
    if todo:
        release(list(todo), lease, stop_reason.retry_in if stop_reason else 0.0)
    more = found and claims >= max_batches and stop_reason is None and not lease.lost
    return outcomes, more


def _completed(completed: "queue.SimpleQueue[Future]", timeout: float) -> list[Future]:
    """The calls completed so far, waiting up to `timeout` seconds for the first."""
    try:
        finished = [completed.get(timeout=max(0.0, timeout))]
    except queue.Empty:
        return []
    while not completed.empty():
        finished.append(completed.get_nowait())
    return finished


def _count(done: list[Outcome], outcomes: dict[str, int]) -> None:
    for outcome in done:
        outcomes[outcome.name] = outcomes.get(outcome.name, 0) + 1


def release(deliveries: list[Delivery], lease: Lease, delay: float) -> None:
    """Give back claimed deliveries that were not tried (the attempt does not count)."""
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries], claim=lease.token).update(
        claim=None,
        claimed_until=None,
        attempts=F("attempts") - 1,
        next_attempt_at=_after(delay),
    )
    lease.held.difference_update(d.pk for d in deliveries)


def prepare(delivery: Delivery, receiver: Party) -> "Request | Outcome":
    """The request for a claimed delivery, or its outcome when it cannot be sent now."""
    message = delivery.message
    platform = receiver.platform
    method, segments, body = message.method, list(message.segments), bytes(message.body)
    # A POST creates an object that never changes (a CDR): it is always re-sent as it was.
    if delivery.full_object and method != "POST":
        provider = _full_object_providers.get(message.module)
        stored = provider(message) if provider else None
        if stored is not None:
            method, (segments, body) = "PUT", stored
        elif message.method != "DELETE":  # (a DELETE of an object still absent is sent as is)
            return Outcome(delivery, Status.FAILED, "no stored object to send in full")
    base = platform.endpoint_url(message.module, "RECEIVER")
    if platform.status == ConnectionStatus.SUSPENDED or base is None:
        problem = "suspended" if base else "no endpoint"
        return unavailable(delivery, f"receiver {problem}: no {message.module} RECEIVER to call")
    # Pushes of client-owned objects carry the owner in the path; a POST goes to the endpoint.
    if method != "POST":
        segments = [message.owner_country_code, message.owner_party_id, *segments]
    url = join_url(base, *segments)
    if message.module in _request_params:
        url += "?" + urlencode(_request_params[message.module](message))
    return Request(delivery, method, url, body)


def unavailable(delivery: Delivery, reason: str) -> Outcome:
    """The receiver cannot take the delivery now (suspended, endpoint gone).

    Billing data is PARKED, to resume when the receiver is reinstated or advertises the
    endpoint again (`resume_parked`); a state object FAILS: the receiver re-syncs by GET All.
    """
    parks = retry_policy(delivery.message.module).park
    return Outcome(delivery, Status.PARKED if parks else Status.FAILED, reason)


def transmit(request: Request, receiver: Party) -> "Future[Reply]":
    """Start sending one request (HTTP only, no database); its Reply comes in the future."""
    message = request.delivery.message
    routed = message.module not in CONFIGURATION_MODULES
    return start_call(
        receiver.platform,
        request.method,
        request.url,
        content=request.body,
        correlation_id=message.correlation_id or None,
        to=PartyRef(*receiver.ref) if routed else None,
        sender=push_sender_ref(request.delivery) if routed else None,
    )


def judge(request: Request, reply: Reply, started: datetime) -> Outcome:
    """The outcome of a sent delivery by the receiver's answer (docs/delivery.md, Policy)."""
    delivery = request.delivery
    message = delivery.message
    attempt = Attempt(
        delivery_id=delivery.pk,
        started_at=started,
        method=request.method,
        url=request.url[:500],
        http_status=reply.http_status,
        status_code=reply.status_code,
        duration_ms=round(reply.duration_ms),
        error=reply.error,
        response_excerpt=reply.content[:2000].decode("utf-8", "replace"),
    )
    if reply.ok:
        hook = _delivered_hooks.get(message.module)
        if hook is not None:
            try:
                hook(delivery, reply)
            except Exception:  # what it keeps is extra: the delivery itself succeeded
                logger.exception("on_delivered hook of %s failed", message.module)
        return Outcome(delivery, Status.DELIVERED, attempt=attempt)
    if not reply.retryable:
        return Outcome(delivery, Status.REJECTED, reply.summary(), attempt)
    policy = retry_policy(message.module)
    age = (timezone.now() - delivery.retry_since).total_seconds()
    if delivery.attempts >= policy.max_attempts or age >= policy.max_age:
        gave_up = Status.PARKED if policy.park else Status.FAILED
        return Outcome(delivery, gave_up, f"gave up: {reply.summary()}", attempt)
    retry_in = policy.delay(delivery.attempts)
    if reply.retry_after is not None:  # the receiver's own wish wins over the backoff
        retry_in = reply.retry_after
    return Outcome(
        delivery, Status.PENDING, reply.summary(), attempt, retry_in, throttled=reply.throttled
    )


def _after(seconds: float):
    """A moment `seconds` from now, on the database clock."""
    moment = DatabaseNow() + timedelta(seconds=seconds)
    return ExpressionWrapper(moment, output_field=DateTimeField())


def record(outcomes: list[Outcome], lease: Lease) -> None:
    """Write the attempts and outcomes of sent deliveries: one UPDATE per kind of outcome.

    Only deliveries still under this worker's claim are updated: if the claim was lost, the
    worker that took it over decides.
    """
    if not outcomes:
        return
    with transaction.atomic():
        _write(outcomes, lease)
    metrics.count_outcomes(outcomes)


@dataclass(slots=True)
class Attempt:
    """A DeliveryAttempt row to be written (a model instance per attempt cost more CPU to
    build and insert than sending the delivery)."""

    delivery_id: int
    started_at: datetime
    method: str
    url: str
    http_status: int | None
    status_code: int | None
    duration_ms: int
    error: str
    response_excerpt: str

    COLUMNS = (
        "delivery_id, started_at, method, url, http_status, status_code, duration_ms, error,"
        " response_excerpt"
    )

    def row(self) -> tuple:
        return (
            *(self.delivery_id, self.started_at, self.method, self.url, self.http_status),
            *(self.status_code, self.duration_ms, self.error, self.response_excerpt),
        )


def _insert_attempts(attempts: list[Attempt], rows_per_statement: int = 100) -> None:
    """The attempts of a batch: one COPY on PostgreSQL (a parameter list of an INSERT is
    quoted value by value in Python, which cost more than the rest of the batch's writes),
    elsewhere one INSERT per 100 (SQLite may take only 999 values)."""
    connection = connections[Delivery.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            copy = f"COPY {table(DeliveryAttempt)} ({Attempt.COLUMNS}) FROM STDIN"
            with cursor.cursor.copy(copy) as rows:
                for a in attempts:
                    rows.write_row(a.row())
        return
    adapt = connection.ops.adapt_datetimefield_value
    row = f"({placeholders(range(9))})"
    for first in range(0, len(attempts), rows_per_statement):
        chunk = attempts[first : first + rows_per_statement]
        values = []
        for a in chunk:
            values += (a.delivery_id, adapt(a.started_at), *a.row()[2:])
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table(DeliveryAttempt)} ({Attempt.COLUMNS})"
                f" VALUES {', '.join([row] * len(chunk))}",
                values,
            )


def _write(outcomes, lease: Lease) -> None:
    """`record` inside the caller's transaction (the caller counts them in the metrics)."""
    if not outcomes:
        return
    attempts = [o.attempt for o in outcomes if o.attempt is not None]
    if attempts:
        _insert_attempts(attempts)
    groups: dict[tuple, list[int]] = {}
    for outcome in outcomes:
        key = (outcome.status, outcome.error, outcome.retry_in)
        groups.setdefault(key, []).append(outcome.delivery.pk)
    for (status, error, retry_in), pks in groups.items():
        changes = {"claim": None, "claimed_until": None, "last_error": error}
        if status == Status.PENDING:
            changes["next_attempt_at"] = Later(retry_in)
        else:
            changes.update(status=status, finished_at=Later())
        _update(pks, claimed_by=lease, **changes)
    lease.held.difference_update(o.delivery.pk for o in outcomes)


def due_receivers() -> list[int]:
    """Receivers with deliveries due and nobody (alive) sending them."""
    return list(
        Delivery.objects.pending()
        .filter(next_attempt_at__lte=DatabaseNow())
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=DatabaseNow()))
        .values_list("receiver_id", flat=True)
        .distinct()
        .order_by()
    )


# What an admin may deliver again: never what already arrived (a CDR must not be POSTed twice).
REDELIVERABLE = (Status.PARKED, Status.FAILED, Status.REJECTED)


def redeliver(deliveries) -> int:
    """Queue parked, failed or rejected deliveries again (admin action): a fresh retry budget.

    They are sent as the object stored now (a PUT), so an old version never overwrites a newer;
    a POST (a CDR, which never changes) is sent again as the same POST. Delivered, superseded
    and pending deliveries are left as they are.
    """
    chosen = deliveries.filter(status__in=REDELIVERABLE)
    receiver_ids = set(chosen.values_list("receiver_id", flat=True))
    count = _requeue(chosen)
    transaction.on_commit(lambda: wake(receiver_ids))
    return count


def resume_parked(platform) -> int:
    """Billing data parked for the platform's parties goes out again (reinstated, back online,
    or advertising its endpoints again)."""
    parked = Delivery.objects.filter(receiver__platform=platform, status=Status.PARKED)
    receiver_ids = set(parked.values_list("receiver_id", flat=True))
    count = _requeue(parked)
    if count:
        transaction.on_commit(lambda: wake(receiver_ids))
    return count


def _requeue(deliveries) -> int:
    now = timezone.now()
    return deliveries.update(
        status=Status.PENDING,
        attempts=0,
        next_attempt_at=now,
        retry_since=now,
        claim=None,
        claimed_until=None,
        finished_at=None,
        full_object=True,
    )
