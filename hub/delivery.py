"""Store-and-forward delivery, shared by every functional module (docs/delivery.md).

A module's action stores the object and calls `enqueue` in the same transaction (outbox);
after commit a worker `drain`s each receiver: it claims that receiver's due deliveries, sends
them over the pooled HTTP client and records every attempt. Policy for state objects: only the
latest version of an object is ever pending for a receiver; a PATCH (or a PUT of a part) goes
out as such only while the receiver got everything before it, otherwise the receiver gets the
full stored object as a PUT.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from hub.client import Reply, call, join_url
from hub.exceptions import OCPIError
from hub.models import Delivery, DeliveryAttempt, Message
from hub.routing import PartyRef
from hub.status import UNKNOWN_RECEIVER
from parties.models import ConnectionStatus, Party, Role

logger = logging.getLogger(__name__)

# Broadcast Push audience per sending role (HUB-RULES R1.9.2): OTHER is an eMSP type of role,
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


def hub_party_ref() -> PartyRef:
    return PartyRef(settings.HUB_COUNTRY_CODE, settings.HUB_PARTY_ID)


def receivers(module: str, sender: Party, to_ref: PartyRef | None) -> list[Party]:
    """The parties a push from `sender` goes to; OCPIError 4001 when `to_ref` is unknown.

    No OCPI-to, or OCPI-to naming the hub: every connected party of the receiving roles whose
    platform advertises the module's RECEIVER interface, never the sender itself. OCPI-to naming
    a party: that party only, when it is connected and has the interface (else nobody: the
    object is stored and the party re-syncs by GET All).
    """
    if to_ref is not None and to_ref != hub_party_ref():
        return routed_receivers(module, sender, to_ref)
    parties = _module_receivers(module).filter(role__in=BROADCAST_ROLES.get(sender.role, ()))
    return list(parties.exclude(pk=sender.pk).select_related("platform").distinct())


def routed_receivers(
    module: str, sender: Party, to_ref: PartyRef, roles: tuple[str, ...] | None = None
) -> list[Party]:
    """The one party a push addressed to `to_ref` goes to (of `roles`); never a broadcast.

    OCPIError 4001 when no such party is registered; an empty list when it is not connected
    or has no RECEIVER interface for the module (the object is stored, the party pulls it).
    """
    known = Party.objects.by_id(to_ref.country_code, to_ref.party_id)
    if roles is not None:
        known = known.filter(role__in=roles)
    if not known.exists():
        raise OCPIError(UNKNOWN_RECEIVER, f"Unknown receiver {to_ref}")
    parties = _module_receivers(module).filter(pk__in=known.values("pk")).exclude(pk=sender.pk)
    return list(parties.select_related("platform").distinct())


def _module_receivers(module: str):
    """Parties that can receive the module's pushes now.

    Billing data (modules whose policy parks) also waits for an OFFLINE party: it is retried
    until the party is back, not left to a pull it may never make.
    """
    statuses = [ConnectionStatus.CONNECTED]
    if retry_policy(module).park:
        statuses.append(ConnectionStatus.OFFLINE)
    return Party.objects.filter(
        platform__status__in=statuses,
        platform__endpoints__identifier=module,
        platform__endpoints__role="RECEIVER",
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
    receivers: list[Party],
    correlation_id: str = "",
) -> Message:
    """Record a push and one delivery per receiver; call inside the transaction that stored it.

    Only inserts: older versions still waiting for a receiver are superseded when that
    receiver's next batch is claimed (`claim`), so the request path never waits on rows a
    worker holds (nor deadlocks with it).
    """
    message = Message.objects.create(
        module=module,
        method=method,
        owner_country_code=owner.country_code,
        owner_party_id=owner.party_id,
        object_id=object_id.upper(),
        segments=segments,
        body=body,
        sender=sender,
        correlation_id=correlation_id[:100],
    )
    if not receivers:
        return message
    now = timezone.now()
    Delivery.objects.bulk_create(
        Delivery(
            message=message,
            receiver=party,
            object_key=message.object_key,
            next_attempt_at=now,
            retry_since=now,
        )
        for party in receivers
    )
    transaction.on_commit(lambda: _kick_message(message.pk))
    return message


def _kick_message(message_id: int) -> None:
    from hub.tasks import deliver_message

    try:
        deliver_message.delay(message_id)
    except Exception:  # the broker is down: the sweeper finds the delivery later
        logger.exception("Could not queue delivery of message %s; the sweeper will", message_id)


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


def claim(receiver_id: int, limit: int | None = None) -> tuple[uuid.UUID, list[Delivery]]:
    """Claim a batch of the receiver's due deliveries; nothing while another worker sends to it.

    One sender per receiver at a time keeps each object's versions in order. The receiver's
    row lock serializes claimers on PostgreSQL; SQLite serializes write transactions anyway.
    A claim that expired belonged to a lost worker: it is claimed again and noted as an attempt.
    """
    token = uuid.uuid4()
    with transaction.atomic():
        list(Party.objects.select_for_update().filter(pk=receiver_id).values_list("pk"))
        now = timezone.now()
        mine = Delivery.objects.pending().filter(receiver_id=receiver_id)
        if mine.filter(claimed_until__gt=now).exists():
            return token, []
        due = list(
            mine.filter(next_attempt_at__lte=now)
            .select_related("message")
            .order_by("pk")[: limit or settings.DELIVERY_BATCH_SIZE]
        )
        if not due:
            return token, []
        batch, superseded = _latest_per_object(due)
        # Older versions still waiting for their retry time are replaced by the latest too.
        superseded += list(
            mine.filter(object_key__in={d.object_key for d in batch})
            .filter(pk__lt=max(d.pk for d in batch))
            .exclude(pk__in=[d.pk for d in batch] + superseded)
            .values_list("pk", flat=True)
        )
        if superseded:
            Delivery.objects.filter(pk__in=superseded).update(
                status=Status.SUPERSEDED, finished_at=now, claim=None, claimed_until=None
            )
        for delivery in batch:
            if delivery.claimed_until is not None:
                DeliveryAttempt.objects.create(
                    delivery=delivery,
                    started_at=delivery.claimed_until,
                    method="-",
                    url="",
                    error="claim expired: the worker was lost before finishing; sending again",
                )
            if not delivery.full_object and _needs_full_object(delivery):
                delivery.full_object = True
                Delivery.objects.filter(pk=delivery.pk).update(full_object=True)
        Delivery.objects.filter(pk__in=[d.pk for d in batch]).update(
            claim=token,
            claimed_until=now + timedelta(seconds=settings.DELIVERY_CLAIM_TIMEOUT),
            attempts=F("attempts") + 1,
        )
        for delivery in batch:
            delivery.attempts += 1
    return token, batch


def _latest_per_object(due: list[Delivery]) -> tuple[list[Delivery], list[int]]:
    """The newest delivery of each object in `due`, and the pks of the older ones."""
    latest: dict[str, Delivery] = {}
    superseded = []
    for delivery in due:  # ordered by pk: later versions come later
        if delivery.object_key in latest:
            superseded.append(latest[delivery.object_key].pk)
        latest[delivery.object_key] = delivery
    return sorted(latest.values(), key=lambda d: d.pk), superseded


def _needs_full_object(delivery: Delivery) -> bool:
    """A partial push may go out as sent only if the receiver got the version before it."""
    if delivery.message.is_full_object:
        return False
    previous = (
        Delivery.objects.filter(
            receiver_id=delivery.receiver_id, object_key=delivery.object_key, pk__lt=delivery.pk
        )
        .order_by("-pk")
        .values_list("status", flat=True)
        .first()
    )
    return previous is not None and previous != Status.DELIVERED


def drain(receiver_id: int, max_batches: int = 20) -> dict[str, int]:
    """Send the receiver's due deliveries, batch by batch, over one pooled connection."""
    outcomes: dict[str, int] = {}
    receiver = (
        Party.objects.select_related("platform")
        .prefetch_related("platform__endpoints")
        .filter(pk=receiver_id)
        .first()
    )
    if receiver is None:
        return outcomes
    for _ in range(max_batches):
        token, batch = claim(receiver_id)
        if not batch:
            break
        unreachable = False
        for index, delivery in enumerate(batch):
            if unreachable:  # do not wait for every timeout of a receiver that is down
                release(
                    batch[index:],
                    token,
                    delay=retry_policy(delivery.message.module).delay(delivery.attempts),
                )
                break
            outcome = send(delivery, receiver, token)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            unreachable = outcome == "unreachable"
        if unreachable:
            break
    return outcomes


def release(deliveries: list[Delivery], token: uuid.UUID, delay: float) -> None:
    """Give back claimed deliveries that were not tried (the attempt does not count)."""
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries], claim=token).update(
        claim=None,
        claimed_until=None,
        attempts=F("attempts") - 1,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )


def send(delivery: Delivery, receiver: Party, token: uuid.UUID) -> str:
    """Send one claimed delivery and record the attempt; returns the outcome."""
    message = delivery.message
    platform = receiver.platform
    policy = retry_policy(message.module)
    started = timezone.now()
    method, segments, body = message.method, list(message.segments), bytes(message.body)
    # A POST creates an object that never changes (a CDR): it is always re-sent as it was.
    if delivery.full_object and method != "POST":
        provider = _full_object_providers.get(message.module)
        stored = provider(message) if provider else None
        if stored is not None:
            method, (segments, body) = "PUT", stored
        elif message.method != "DELETE":  # (a DELETE of an object still absent is sent as is)
            return _finish(delivery, token, Status.FAILED, "no stored object to send in full")
    base = platform.endpoint_url(message.module, "RECEIVER")
    if platform.status == ConnectionStatus.SUSPENDED or base is None:
        reason = "receiver suspended" if base else f"receiver has no {message.module} RECEIVER"
        return _finish(delivery, token, Status.FAILED, reason)
    # Pushes of client-owned objects carry the owner in the path; a POST goes to the endpoint.
    if method != "POST":
        segments = [message.owner_country_code, message.owner_party_id, *segments]
    url = join_url(base, *segments)
    if message.module in _request_params:
        url += "?" + urlencode(_request_params[message.module](message))
    reply = call(
        platform,
        method,
        url,
        content=body,
        correlation_id=message.correlation_id or None,
        to=PartyRef(*receiver.ref),
        sender=hub_party_ref(),
    )
    DeliveryAttempt.objects.create(
        delivery=delivery,
        started_at=started,
        method=method,
        url=url[:500],
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
        return _finish(delivery, token, Status.DELIVERED)
    if not reply.retryable:
        return _finish(delivery, token, Status.REJECTED, reply.summary())
    age = (timezone.now() - delivery.retry_since).total_seconds()
    if delivery.attempts >= policy.max_attempts or age >= policy.max_age:
        gave_up = Status.PARKED if policy.park else Status.FAILED
        return _finish(delivery, token, gave_up, f"gave up: {reply.summary()}")
    Delivery.objects.filter(pk=delivery.pk, claim=token).update(
        claim=None,
        claimed_until=None,
        last_error=reply.summary(),
        next_attempt_at=timezone.now() + timedelta(seconds=policy.delay(delivery.attempts)),
    )
    return "unreachable" if reply.http_status is None else "retry"


def _finish(delivery: Delivery, token: uuid.UUID, status: str, error: str = "") -> str:
    Delivery.objects.filter(pk=delivery.pk, claim=token).update(
        status=status,
        claim=None,
        claimed_until=None,
        last_error=error,
        finished_at=timezone.now(),
    )
    return status.lower()


def due_receivers() -> list[int]:
    """Receivers with deliveries due and nobody (alive) sending them."""
    now = timezone.now()
    return list(
        Delivery.objects.pending()
        .filter(next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .values_list("receiver_id", flat=True)
        .distinct()
        .order_by()
    )


def redeliver(deliveries) -> int:
    """Queue finished deliveries again (admin action): a fresh retry budget.

    They are sent as the object stored now (a PUT), so an old version never overwrites a newer;
    a POST (a CDR, which never changes) is sent again as the same POST.
    """
    now = timezone.now()
    count = deliveries.exclude(status=Status.PENDING).update(
        status=Status.PENDING,
        attempts=0,
        next_attempt_at=now,
        retry_since=now,
        claim=None,
        claimed_until=None,
        finished_at=None,
        full_object=True,
    )
    from hub.tasks import deliver_to_receiver

    for receiver_id in set(deliveries.values_list("receiver_id", flat=True)):
        transaction.on_commit(lambda rid=receiver_id: deliver_to_receiver.delay(rid))
    return count
