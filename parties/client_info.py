"""ClientInfo pushes (mod_hub_client_info) through the delivery outbox.

Each status change of a platform queues the ClientInfo of its parties for every other connected
platform that advertises a hubclientinfo RECEIVER, in the transaction that changed the status.
The outbox then gives ClientInfo what it gives every push: the versions of one party's
ClientInfo reach a receiver in order (a PLANNED never arrives after the CONNECTED that followed
it), and a failed PUT is retried, as the party's current ClientInfo.
"""

import json

from hub import delivery
from hub.routing import PartyRef
from parties.models import ConnectionStatus, Party, Platform

MODULE = "hubclientinfo"


def announce(platform: Platform) -> None:
    """Queue the ClientInfo of the platform's parties for the other platforms (in a transaction)."""
    listeners = client_info_receivers(Platform.objects.exclude(pk=platform.pk))
    for party in platform.parties.select_related("platform"):
        _queue(party, listeners)


def introduce(platform: Platform) -> None:
    """Queue the ClientInfo of every other party for a platform that just connected."""
    listeners = client_info_receivers(Platform.objects.filter(pk=platform.pk))
    if not listeners:
        return
    for party in Party.objects.exclude(platform=platform).select_related("platform"):
        _queue(party, listeners)


def client_info_receivers(platforms) -> list[Party]:
    """One party per connected platform with a hubclientinfo RECEIVER: ClientInfo goes to the
    platform's endpoint once, not once per role it hosts."""
    first_parties = {}
    connected = Party.objects.filter(
        platform__in=platforms,
        platform__status=ConnectionStatus.CONNECTED,
        platform__endpoints__identifier=MODULE,
        platform__endpoints__role="RECEIVER",
    ).order_by("pk")
    for party in connected:
        first_parties.setdefault(party.platform_id, party)
    return list(first_parties.values())


def _queue(party: Party, listeners: list[Party]) -> None:
    delivery.enqueue(
        module=MODULE,
        method="PUT",
        owner=PartyRef(party.country_code, party.party_id),
        object_id=party.role,  # a platform may host one party_id in several roles
        segments=[],
        body=_body(party),
        sender=party,
        receivers=listeners,
    )


def _body(party: Party) -> bytes:
    return json.dumps(party.client_info(), separators=(",", ":")).encode()


@delivery.full_object_provider(MODULE)
def current_client_info(message) -> tuple[list[str], bytes] | None:
    """A retried ClientInfo PUT carries the party's status at sending time."""
    party = (
        Party.objects.by_id(message.owner_country_code, message.owner_party_id)
        .filter(role=message.object_id)
        .select_related("platform")
        .first()
    )
    return None if party is None else ([], _body(party))
