"""Request/response traffic: forward one request to the receiving party and relay its answer.

Used for direct GETs (OCPI-to naming a party), real-time authorization, commands, charging
profiles and charging preferences. These are never queued (transport_and_format, Offline
behaviour: OCPI messages SHOULD NOT be queued): the answer comes back as the receiver gave
it, and the hub answers in its own name only when the receiver cannot answer (status_codes,
4xxx: Hub errors):

- 4001 no party with that country_code/party_id is registered;
- 4002 the receiver did not answer in time;
- 4003 the receiver's platform is not connected (offline, planned, suspended) or refused the
  connection;
- 4000 the party cannot take this request (it has no such interface or role, or no roaming
  agreement lets the pair exchange the module), or its answer cannot be passed on: not an
  OCPI envelope, a redirect, or one the hub refused to read.

The rules live here once; `receiver_url` and `relay` are what other modules call.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse

from agreements.policy import pair_join, require_exchange, with_pair_agreement
from hub import metrics, status
from hub.client import Reply, call, hub_unreachable_status, join_url
from hub.exceptions import OCPIError
from hub.ledger import record_forwarded_answer
from hub.routing import PartyRef, routing_headers
from parties.models import Party

NEXT_LINK = re.compile(r"<([^>]*)>")


def find_receiver(ref: PartyRef, roles: tuple[str, ...], sender: Party | None = None) -> Party:
    """The registered party of `roles` a request is addressed to, with its endpoints (and,
    given the `sender`, the pair's agreement, which `may_send` then need not ask for).

    4001 when no party has that country_code/party_id; 4000 when one has, but in another role
    (it cannot take this request, as if it had no such interface).
    """
    joined = pair_join(sender) if sender is not None else None
    party = Party.objects.with_endpoints(ref.country_code, ref.party_id, roles, joined)
    if party is not None:
        return with_pair_agreement(party, sender) if sender is not None else party
    if Party.objects.by_id(ref.country_code, ref.party_id).exists():
        raise OCPIError(status.HUB_ERROR, f"Receiver {ref} has no {'/'.join(roles)} role")
    raise OCPIError(status.UNKNOWN_RECEIVER, f"Unknown receiver {ref}")


def check_connected(receiver: Party) -> None:
    """4003 unless the receiver's platform is connected: planned and suspended parties are not
    connected either (status_codes, 4xxx: Hub errors)."""
    platform = receiver.platform
    if not platform.is_connected:
        raise OCPIError(
            status.CONNECTION_PROBLEM, f"Receiver {receiver} is {platform.status.lower()}"
        )


def may_send(sender: Party, receiver: Party, module: str) -> None:
    """4000 when no roaming agreement lets the pair exchange the module; 4003 when the
    receiver is not connected."""
    require_exchange(sender, receiver, module)
    check_connected(receiver)


def receiver_url(receiver: Party, module: str, interface: str) -> str:
    """The URL the receiver advertised for `module` `interface`: 4003 when it is not
    connected, 4000 when it has no such interface."""
    check_connected(receiver)
    base = receiver.platform.endpoint_url(module, interface)
    if base is None:
        raise OCPIError(status.HUB_ERROR, f"Receiver {receiver} has no {module} {interface}")
    return base


def forward(
    request,
    *,
    sender: Party,
    receiver: Party,
    module: str,
    interface: str,
    method: str,
    segments: tuple[str, ...] = (),
    params=None,
    body: bytes | None = None,
    timeout: float | None = None,
    kind: str | None = None,
) -> HttpResponse:
    """Send the request to `receiver`'s `module` `interface` and relay the answer unchanged.

    `kind` names it in the forwarding metrics (default: module and method, `tokens_get`)."""
    may_send(sender, receiver, module)
    base = receiver_url(receiver, module, interface)
    return send(
        request,
        sender=sender,
        receiver=receiver,
        method=method,
        url=join_url(base, *segments),
        params=params,
        body=body,
        timeout=timeout,
        kind=kind or f"{module}_{method.lower()}",
    )


def forward_to_url(
    request, *, sender: Party, receiver: Party, module: str, method: str, url: str
) -> HttpResponse:
    """Send the request to a URL of the receiver's platform that is not an endpoint (the URL
    it answered in a `Location` header) and relay the answer unchanged."""
    may_send(sender, receiver, module)
    return send(
        request,
        sender=sender,
        receiver=receiver,
        method=method,
        url=url,
        kind=f"{module}_{method.lower()}",
    )


def send(
    request,
    *,
    sender: Party,
    receiver: Party,
    method: str,
    url: str,
    kind: str,
    params=None,
    body: bytes | None = None,
    timeout: float | None = None,
) -> HttpResponse:
    """Call the receiver, count the call in the forwarding metrics as `kind`, relay."""
    reply = call(
        receiver.platform,
        method,
        url,
        content=body,
        params=params,
        timeout=timeout,
        correlation_id=request.ocpi_correlation_id,
        to=PartyRef(*receiver.ref),
        sender=PartyRef(*sender.ref),
    )
    metrics.observe_forward(kind, reply)
    return relay(reply, receiver, sender, request)


def forward_get(
    request, *, sender: Party, to_ref: PartyRef, roles, module: str, segments=()
) -> HttpResponse:
    """A direct GET (OCPI-to names a party) on one of the hub's SENDER interfaces: the same
    path and query at the party's SENDER interface (transport_and_format, Message Routing).
    The query is passed on as it came, not decoded and encoded again."""
    receiver = find_receiver(to_ref, roles, sender)
    may_send(sender, receiver, module)
    url = join_url(receiver_url(receiver, module, "SENDER"), *segments)
    query = request.META.get("QUERY_STRING")
    return send(
        request,
        sender=sender,
        receiver=receiver,
        method="GET",
        url=f"{url}?{query}" if query else url,
        kind=f"{module}_get",
    )


def is_envelope(reply: Reply) -> bool:
    """An OCPI response body: a JSON object with an integer status_code."""
    return isinstance(reply.body, dict) and type(reply.body.get("status_code")) is int


def check_answer(
    reply: Reply, receiver: Party, *, envelope_required: bool = True, request=None
) -> None:
    """Raise the 4xxx the requester gets for an answer the hub does not pass on: none, one it
    refused to read, a redirect (a `Location` would send the requester anywhere), or one
    without the OCPI envelope (`envelope_required=False`: an empty body is accepted). A
    broken envelope is also counted in the receiver's deviation ledger."""
    if reply.http_status is None:
        raise OCPIError(hub_unreachable_status(reply), f"Receiver {receiver} is unreachable")
    if reply.error:
        raise OCPIError(status.HUB_ERROR, f"Receiver {receiver}: {reply.party_summary()}")
    if not (200 <= reply.http_status < 300 or 400 <= reply.http_status < 600):
        raise OCPIError(status.HUB_ERROR, f"Receiver {receiver} answered HTTP {reply.http_status}")
    enveloped = is_envelope(reply)
    if enveloped or envelope_required or reply.content:
        record_forwarded_answer(receiver.platform, reply, request)
    if not enveloped and (envelope_required or reply.content):
        raise OCPIError(
            status.HUB_ERROR,
            f"Receiver {receiver} answered HTTP {reply.http_status} without an OCPI body",
        )


def relay(reply: Reply, receiver: Party, sender: Party, request=None) -> HttpResponse:
    """The receiver's answer as the requester's response (TO = requester, FROM = receiver):
    its HTTP status and body byte for byte, X-Total-Count and X-Limit; a `Link` is rewritten
    to the hub's URL of this request with the receiver's query (the requester cannot call the
    receiver's host)."""
    check_answer(reply, receiver, request=request)
    response = HttpResponse(
        reply.content, status=reply.http_status, content_type="application/json"
    )
    response.ocpi_status_code = reply.status_code  # counted by the request metrics
    for name, value in routing_headers(PartyRef(*sender.ref), PartyRef(*receiver.ref)).items():
        response[name] = value
    for name in ("X-Total-Count", "X-Limit"):
        if name.lower() in reply.headers:
            response[name] = reply.headers[name.lower()]
    link = reply.headers.get("link")
    if link and request is not None:
        response["Link"] = hub_link(link, request)
    return response


def hub_link(link: str, request) -> str:
    """The receiver's `Link: <url>; rel="next"` pointing at the hub's URL of this request,
    with the receiver's query (its offset, limit and filters)."""
    found = NEXT_LINK.search(link)
    if found is None:
        return link
    query = urlsplit(found.group(1)).query
    url = f"{settings.HUB_BASE_URL}{request.path_info}" + (f"?{query}" if query else "")
    return link[: found.start(1)] + url + link[found.end(1) :]


def get_at_receiver(
    request, *, owner: Party, to_ref: PartyRef, roles, module: str, segments, params=None
) -> HttpResponse:
    """A client-owned object's owner reads its copy at the receiver named by OCPI-to: the GET
    goes to that receiver's RECEIVER interface, the URL keeping the owner's country/party."""
    return forward(
        request,
        sender=owner,
        receiver=find_receiver(to_ref, roles, owner),
        module=module,
        interface="RECEIVER",
        method="GET",
        segments=(owner.country_code, owner.party_id, *segments),
        params=params,
    )
