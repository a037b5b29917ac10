"""Request/response traffic: forward one request to the receiving party and relay its answer.

Used for GET of one object, real-time authorization, commands and charging preferences:
these are never queued (transport_and_format, Offline behaviour: OCPI messages SHOULD
NOT be queued), they fail fast with 4xxx so the caller can fall
back: 4001 unknown receiver, 4002 timeout, 4003 not connected, 4000 anything else.
"""

from django.http import HttpResponse

from agreements.policy import require_exchange
from hub import metrics, status
from hub.client import Reply, call, hub_unreachable_status, join_url
from hub.exceptions import OCPIError
from hub.routing import PartyRef, routing_headers
from parties.models import Party


def unknown_receiver(ref: PartyRef | None) -> OCPIError:
    return OCPIError(status.UNKNOWN_RECEIVER, f"Unknown receiver {ref}")


def find_receiver(ref: PartyRef, roles: tuple[str, ...]) -> Party:
    """The registered party a request is addressed to; 4001 when there is none."""
    party = Party.objects.with_endpoints(ref.country_code, ref.party_id, roles)
    if party is None:
        raise unknown_receiver(ref)
    return party


def forward(
    request,
    *,
    sender: Party,
    receiver: Party,
    module: str,
    interface: str,
    method: str,
    segments: tuple[str, ...] = (),
    params: dict | None = None,
    body: bytes | None = None,
    timeout: float | None = None,
    kind: str | None = None,
) -> HttpResponse:
    """Send the request to `receiver`'s `module` `interface` and relay the answer unchanged;
    4000 when no roaming agreement lets the pair exchange the module.

    `kind` names it in the forwarding metrics (default: module and method, `tokens_get`)."""
    require_exchange(sender, receiver, module)
    platform = receiver.platform
    if not platform.is_connected:
        raise OCPIError(
            status.CONNECTION_PROBLEM, f"Receiver {receiver} is {platform.status.lower()}"
        )
    base = platform.endpoint_url(module, interface)
    if base is None:
        raise OCPIError(status.HUB_ERROR, f"Receiver {receiver} has no {module} {interface}")
    reply = call(
        platform,
        method,
        join_url(base, *segments),
        content=body,
        params=params,
        timeout=timeout,
        correlation_id=request.ocpi_correlation_id,
        to=PartyRef(*receiver.ref),
        sender=PartyRef(*sender.ref),
    )
    metrics.observe_forward(kind or f"{module}_{method.lower()}", reply)
    return relay(reply, receiver, sender)


def check_answer(reply: Reply, receiver: Party, *, envelope_required: bool = True) -> None:
    """Raise the 4xxx the requester gets for an answer the hub does not pass on: none, one it
    refused to read, a redirect (a `Location` would send the requester anywhere), or one
    without the OCPI envelope (`envelope_required=False`: an empty body is accepted)."""
    if reply.http_status is None:
        raise OCPIError(hub_unreachable_status(reply), f"Receiver {receiver} is unreachable")
    if reply.error:
        raise OCPIError(status.HUB_ERROR, f"Receiver {receiver}: {reply.party_summary()}")
    if not (200 <= reply.http_status < 300 or 400 <= reply.http_status < 600):
        raise OCPIError(status.HUB_ERROR, f"Receiver {receiver} answered HTTP {reply.http_status}")
    has_envelope = isinstance(reply.body, dict) and isinstance(reply.body.get("status_code"), int)
    if not has_envelope and (envelope_required or reply.content):
        raise OCPIError(
            status.HUB_ERROR,
            f"Receiver {receiver} answered HTTP {reply.http_status} without an OCPI body",
        )


def relay(reply: Reply, receiver: Party, sender: Party) -> HttpResponse:
    """The receiver's answer as the requester's response (TO = requester, FROM = receiver)."""
    check_answer(reply, receiver)
    response = HttpResponse(
        reply.content, status=reply.http_status, content_type="application/json"
    )
    response.ocpi_status_code = reply.status_code  # counted by the request metrics
    for name, value in routing_headers(PartyRef(*sender.ref), PartyRef(*receiver.ref)).items():
        response[name] = value
    for name in ("Link", "X-Total-Count", "X-Limit", "Location"):
        if name.lower() in reply.headers:
            response[name] = reply.headers[name.lower()]
    return response


def get_at_receiver(
    request, *, owner: Party, to_ref: PartyRef, roles, module: str, segments, params=None
) -> HttpResponse:
    """A client-owned object's owner reads its copy at the receiver named by OCPI-to: the GET
    goes to that receiver's RECEIVER interface, the URL keeping the owner's country/party."""
    return forward(
        request,
        sender=owner,
        receiver=find_receiver(to_ref, roles),
        module=module,
        interface="RECEIVER",
        method="GET",
        segments=(owner.country_code, owner.party_id, *segments),
        params=params,
    )
