"""Forward a command to its CPO, and relay the CPO's asynchronous result to the requester."""

import logging
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from agreements.policy import may_exchange, no_agreement, require_exchange
from hub import metrics, status
from hub.client import Reply, call, hub_unreachable_status, join_url
from hub.exceptions import OCPIError, not_found
from hub.proxy import check_connected, is_envelope, receiver_url
from hub.retention import delete_in_batches
from hub.routing import PartyRef
from hub.types import later
from parties.models import Party, Platform

from .models import Command, Outcome, result_window

logger = logging.getLogger(__name__)


def open_command(
    *,
    requester: Party,
    cpo: Party,
    module: str,
    command: str,
    request: dict,
    response_url: str,
    correlation_id: str,
    reservation_id: str = "",
    session_id: str = "",
    reserved_until: datetime | None = None,
) -> Command:
    """Store the mapping before forwarding: a CPO may post the result before it answers."""
    created = timezone.now()
    entry = Command(
        requester=requester,
        cpo=cpo,
        module=module,
        command=command,
        request=request,
        response_url=response_url,
        correlation_id=correlation_id[:100],
        reservation_id=reservation_id,
        session_id=session_id,
        created=created,
        expires_at=created + result_window(),
    )
    if reserved_until is not None:
        # Spec: the CPO may send CANCELED_RESERVATION to the RESERVE_NOW's URL until it ends.
        entry.extend_expiry(later(reserved_until, result_window().total_seconds()))
    entry.save()
    logger.info(
        "%s %s from %s to %s correlation=%s", module, command, requester, cpo, correlation_id
    )
    return entry


def forward_command(
    entry: Command,
    *,
    method: str,
    segments: tuple[str, ...],
    body: dict | None = None,
    params: dict | None = None,
) -> Reply:
    """Send the request (response_url already replaced) to the CPO and record its response.

    Raises the 4xxx the requester gets when the CPO cannot be asked.
    """
    if not may_exchange(entry.requester, entry.cpo, entry.module):
        record_failure(entry, Outcome.HUB_ERROR, status.HUB_ERROR)
        raise no_agreement(entry.requester, entry.cpo, entry.module)
    try:
        base = receiver_url(entry.cpo, entry.module, "RECEIVER")
    except OCPIError as error:
        unreachable = error.status_code == status.CONNECTION_PROBLEM
        record_failure(
            entry, Outcome.CPO_UNREACHABLE if unreachable else Outcome.HUB_ERROR, error.status_code
        )
        raise
    reply = call(
        entry.cpo.platform,
        method,
        join_url(base, *segments),
        json_body=body,
        params=params,
        timeout=settings.OCPI_COMMAND_TIMEOUT,
        correlation_id=entry.correlation_id,
        to=PartyRef(*entry.cpo.ref),
        sender=PartyRef(*entry.requester.ref),
    )
    metrics.observe_forward(f"{entry.module}_request", reply)
    record_response(entry, reply)
    return reply


def record_failure(entry: Command, outcome: str, status_code: int) -> None:
    entry.status_code = status_code
    entry.save(update_fields=["status_code"])
    set_outcome(entry, outcome)


def record_response(entry: Command, reply: Reply) -> None:
    """Log the CPO's direct response and keep the mapping for at least its `timeout`."""
    if reply.http_status is None:
        outcome = Outcome.CPO_TIMEOUT if reply.timed_out else Outcome.CPO_UNREACHABLE
        return record_failure(entry, outcome, hub_unreachable_status(reply))
    if reply.error or not is_envelope(reply):
        return record_failure(entry, Outcome.HUB_ERROR, status.HUB_ERROR)
    entry.status_code = reply.status_code
    entry.response = reply.data
    data = reply.data if isinstance(reply.data, dict) else {}
    result = data.get("result") if reply.ok else None
    entry.response_result = str(result or "")[:32]
    timeout = data.get("timeout")
    if isinstance(timeout, int) and not isinstance(timeout, bool) and timeout > 0:
        entry.extend_expiry(later(entry.created, timeout))
    entry.save(update_fields=["status_code", "response", "response_result", "expires_at"])
    set_outcome(entry, result if result in Outcome.values else Outcome.CPO_ERROR)


def set_outcome(entry: Command, outcome: str) -> None:
    """The direct response's outcome, unless an asynchronous result already arrived."""
    Command.objects.filter(pk=entry.pk, last_result_at=None).update(outcome=outcome)


def find_command(platform: Platform, module: str, command_id: str) -> Command:
    """The command awaiting a result at this hub URL; 404 unless the caller hosts its CPO."""
    entry = (
        Command.objects.filter(pk=command_id, module=module)
        .select_related("requester__platform", "cpo__platform")
        .first()
    )
    if entry is None or entry.cpo.platform_id != platform.pk:
        logger.warning(
            "Refused a %s result from platform %s for unknown response URL id %s",
            module,
            platform,
            command_id,
        )
        raise not_found(
            f"Unknown response URL {command_id}: no {module} request of yours awaits a result here",
            status.INVALID_OR_MISSING_PARAMETERS,
        )
    if entry.expires_at <= timezone.now():
        logger.warning(
            "Refused a late %s result for %s (expired %s) correlation=%s",
            module,
            entry.command,
            entry.expires_at,
            entry.correlation_id,
        )
        raise not_found(
            f"Response URL expired at {entry.expires_at.isoformat()}: the hub no longer relays "
            f"results of this {entry.command}",
            status.INVALID_OR_MISSING_PARAMETERS,
        )
    return entry


def relay_result(entry: Command, body: dict) -> Reply:
    """Record the CPO's result and POST it unchanged to the requester's original URL.

    Raises 4003 when the requester's platform is not connected.
    """
    Command.objects.filter(pk=entry.pk).update(
        result=body, outcome=str(body["result"]), last_result_at=timezone.now()
    )
    logger.info(
        "%s %s result %s from %s for %s correlation=%s",
        entry.module,
        entry.command,
        body["result"],
        entry.cpo,
        entry.requester,
        entry.correlation_id,
    )
    try:
        check_connected(entry.requester)
    except OCPIError:
        record_delivery(entry, f"not sent: platform {entry.requester.platform.status.lower()}")
        raise
    reply = call(
        entry.requester.platform,
        "POST",
        entry.response_url,
        json_body=body,
        timeout=settings.OCPI_COMMAND_TIMEOUT,
        correlation_id=entry.correlation_id,
        to=PartyRef(*entry.requester.ref),
        sender=PartyRef(*entry.cpo.ref),
    )
    metrics.observe_forward(f"{entry.module}_result", reply)
    record_delivery(entry, reply.summary())
    return reply


def record_delivery(entry: Command, summary: str) -> None:
    Command.objects.filter(pk=entry.pk).update(result_delivery=summary[:200])


def forward_profile_update(
    cpo: Party, receiver: Party, session_id: str, body: dict, correlation_id: str
) -> Reply:
    """PUT a CPO's ActiveChargingProfile to the eMSP/SCSP's chargingprofiles SENDER interface."""
    require_exchange(cpo, receiver, "chargingprofiles")
    base = receiver_url(receiver, "chargingprofiles", "SENDER")
    return call(
        receiver.platform,
        "PUT",
        join_url(base, session_id),
        json_body=body,
        timeout=settings.OCPI_COMMAND_TIMEOUT,
        correlation_id=correlation_id,
        to=PartyRef(*receiver.ref),
        sender=PartyRef(*cpo.ref),
    )


def purge_expired_commands() -> int:
    """Delete commands that expired longer ago than the log retention, in bounded batches;
    returns how many."""
    return delete_in_batches(
        Command.objects.purgeable(),
        settings.HUB_RETENTION_BATCH_SIZE,
        settings.HUB_RETENTION_MAX_BATCHES,
    )
