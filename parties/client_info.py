"""ClientInfo pushes (mod_hub_client_info) through the delivery outbox.

Each status change of a platform queues the ClientInfo of its parties for every connected
platform with a hubclientinfo RECEIVER that may see them, in the transaction that changed the
status. Each receiving platform is told the status from its own parties' point of view (roaming
agreements, `agreements.policy.client_infos_for`); a party is never told about itself.
The outbox then gives ClientInfo what it gives every push: the versions of one party's
ClientInfo reach a receiver in order (a PLANNED never arrives after the CONNECTED that followed
it, a newer one supersedes an older one still waiting), and a failed PUT is retried.
"""

import json

from hub import delivery
from hub.routing import PartyRef
from parties.models import ConnectionStatus, Party, Platform

MODULE = "hubclientinfo"


def announce(platform: Platform) -> None:
    """Queue the ClientInfo of the platform's parties for every platform that may see them."""
    from agreements.policy import client_infos_for

    described = list(platform.parties.live().select_related("platform"))
    for listener, viewers in _listeners(Platform.objects.all()):
        shown = client_infos_for(viewers, described)
        for party in described:
            if party.pk in shown:
                _queue(party, shown[party.pk], listener)


def introduce(platform: Platform) -> None:
    """Queue the ClientInfo of every party it may see for a platform that just connected."""
    from agreements.policy import client_infos_for

    for listener, viewers in _listeners(Platform.objects.filter(pk=platform.pk)):
        others = Party.objects.live().exclude(platform=platform).select_related("platform")
        described = list(others)
        shown = client_infos_for(viewers, described)
        for party in described:
            if party.pk in shown:
                _queue(party, shown[party.pk], listener)


def _listeners(platforms) -> list[tuple[Party, list[Party]]]:
    """(the party a ClientInfo push is addressed to, the platform's parties) for each connected
    platform with a hubclientinfo RECEIVER: the endpoint is called once per platform, not once
    per role it hosts."""
    by_platform: dict[int, list[Party]] = {}
    connected = Party.objects.live().filter(
        platform__in=platforms,
        platform__status=ConnectionStatus.CONNECTED,
        platform__endpoints__identifier=MODULE,
        platform__endpoints__role="RECEIVER",
    )
    for party in connected.distinct().order_by("pk"):
        by_platform.setdefault(party.platform_id, []).append(party)
    return [(parties[0], parties) for parties in by_platform.values()]


def _queue(party: Party, status: str, listener: Party) -> None:
    delivery.enqueue(
        module=MODULE,
        method="PUT",
        owner=PartyRef(party.country_code, party.party_id),
        object_id=party.role,  # a platform may host one party_id in several roles
        segments=[],
        body=json.dumps(party.client_info(status), separators=(",", ":")).encode(),
        sender=party,
        receivers=[listener],
    )


@delivery.full_object_provider(MODULE)
def as_queued(message) -> tuple[list[str], bytes]:
    """A ClientInfo PUT is whole on its own: a retry sends it as queued (a newer status
    supersedes it)."""
    return [], bytes(message.body)
