"""Who may pull a client-owned object the hub stores (Locations, Tariffs, Tokens).

An object broadcast (no OCPI-to, or OCPI-to naming the hub) is shared with everyone; one pushed
with OCPI-to naming a party is shared with that party only, until it is broadcast once.
GET All serves each requester what is shared with it (`SharedQuerySet.readable_by`).
"""

from hub.delivery import is_broadcast
from hub.routing import PartyRef
from parties.models import Party

__all__ = ["is_broadcast", "share"]


def share(stored, to_ref: PartyRef | None) -> None:
    """Record who a pushed object is for (inside the transaction that stored it)."""
    if is_broadcast(to_ref):
        if not stored.broadcast:
            stored.broadcast = True
            type(stored).objects.filter(pk=stored.pk).update(broadcast=True)
        return
    stored.recipients.add(*Party.objects.by_id(to_ref.country_code, to_ref.party_id))
