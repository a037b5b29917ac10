"""The one rule of who may exchange what: "may party A and party B exchange module M now?"

Every path asks it: broadcast, direct and open routing of pushes, the claim of a delivery,
GET All and GET of one object, real-time authorization, commands, charging profiles and the
ClientInfo a party sees. The hub policy (`HUB_ROAMING_POLICY`) decides pairs without an
agreement: *open* lets them exchange everything, *agreements* nothing. A pair with an agreement
exchanges exactly the modules its ACTIVE agreement covers, inside its validity window.

Billing data never gets lost to a change of terms: Sessions and CDRs of a session that started
while the pair could exchange them are still delivered after a suspension or an end.
"""

import json
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import connections
from django.db.models import Q
from django.utils import timezone

from agreements.models import BILLING_MODULES, MODULES, Agreement, AgreementStatus, AgreementTerms
from hub import status
from hub.exceptions import OCPIError
from parties.models import ConnectionStatus, Party, joined_rows, table

OPEN = "open"
AGREEMENTS_REQUIRED = "agreements"
POLICIES = (OPEN, AGREEMENTS_REQUIRED)


def agreements_required() -> bool:
    return settings.HUB_ROAMING_POLICY == AGREEMENTS_REQUIRED


def terms_allow(terms: AgreementTerms | None, module: str, at: datetime) -> bool:
    """Whether these terms (None: no agreement yet) let `module` flow at `at`."""
    if terms is None:  # no agreement (yet): the hub policy decides
        return not agreements_required()
    return terms.allows(module, at)


def _allowed(agreement: Agreement | None, module: str, started_at: datetime | None) -> bool:
    if terms_allow(agreement, module, timezone.now()):
        return True
    if started_at is None or module not in BILLING_MODULES or agreement is None:
        return False
    return terms_allow(agreement.terms_at(started_at), module, started_at)


def pair_join(party: Party) -> tuple:
    """For `Party.objects.with_endpoints(..., joined=)`: the agreement of the party found (t0)
    with `party`, fetched by the statement that finds it. A routed request then asks the
    database once for its receiver and for the pair's agreement, instead of twice in a row."""
    condition = (
        "(t3.cpo_id = %s AND t3.partner_id = t0.id) OR (t3.partner_id = %s AND t3.cpo_id = t0.id)"
    )
    return Agreement, condition, [party.pk, party.pk]


def with_pair_agreement(found: Party, party: Party) -> Party:
    """`found` (looked up with `pair_join(party)`) remembering its agreement with `party` for
    `_agreements_with`; read in the same statement as `found` itself, so as fresh."""
    found.pair_agreement = (party.pk, found.joined_row)
    return found


def _agreements_with(party: Party, others: list[Party]) -> dict[int, Agreement]:
    """The agreements of `party` with each of `others`, by the other party's pk (one query,
    none when each of `others` came with its agreement with `party`: `with_pair_agreement`)."""
    if not others:
        return {}
    preloaded = [getattr(other, "pair_agreement", None) for other in others]
    if all(known is not None and known[0] == party.pk for known in preloaded):
        return {
            other.pk: agreement
            for other, (_, agreement) in zip(others, preloaded, strict=True)
            if agreement is not None
        }
    pks = [other.pk for other in others]
    # In SQL: asked on every routed request (an authorization waits on it), and the ORM spent
    # more time composing this query than the database answering it.
    among = ", ".join(["%s"] * len(pks))
    rows = joined_rows(
        Agreement.objects.db,
        (Agreement,),
        f"FROM {table(Agreement)} t0 WHERE (t0.cpo_id = %s AND t0.partner_id IN ({among}))"
        f" OR (t0.partner_id = %s AND t0.cpo_id IN ({among}))",
        [party.pk, *pks, party.pk, *pks],
    )
    return {agreement.other_id(party): agreement for (agreement,) in rows}


def allowed_parties(
    party: Party, module: str, others: Iterable[Party], *, started_at: datetime | None = None
) -> list[Party]:
    """Those of `others` that may exchange `module` with `party` now.

    `started_at`: for Sessions and CDRs, the start of the session; what was allowed then
    still holds for its billing data.
    """
    others = list(others)
    if party.archived_at is not None:
        return []
    agreements = _agreements_with(party, others)
    return [
        other
        for other in others
        if other.archived_at is None and _allowed(agreements.get(other.pk), module, started_at)
    ]


def exchange_condition(party: Party, module: str, other: str) -> tuple[str, list]:
    """`allowed_parties` as SQL, for a query that selects the other parties itself (the
    receivers of a broadcast are inserted straight from one): a condition, with its
    parameters, that the party whose id is the column `other` may exchange `module` with
    `party` now. Archived parties are left to the query (`archived_at IS NULL`)."""
    connection = connections[Agreement.objects.db]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    if connection.vendor == "postgresql":
        covers, module_param = "a.modules @> %s::jsonb", json.dumps([module])
    else:
        covers = "EXISTS (SELECT 1 FROM json_each(a.modules) m WHERE m.value = %s)"
        module_param = module
    pair = (
        f"((a.cpo_id = %s AND a.partner_id = {other})"
        f" OR (a.partner_id = %s AND a.cpo_id = {other}))"
    )
    allows = (
        f"a.status = %s AND {covers} AND (a.valid_from IS NULL OR a.valid_from <= %s)"
        " AND (a.valid_until IS NULL OR %s < a.valid_until)"
    )
    params = [party.pk, party.pk, str(AgreementStatus.ACTIVE), module_param, now, now]
    agreements = connection.ops.quote_name(Agreement._meta.db_table)
    if agreements_required():  # only a pair whose agreement allows it
        return f"EXISTS (SELECT 1 FROM {agreements} a WHERE {pair} AND {allows})", params
    # Open: every pair, except one whose agreement does not allow it.
    return f"NOT EXISTS (SELECT 1 FROM {agreements} a WHERE {pair} AND NOT ({allows}))", params


def may_exchange(a: Party, b: Party, module: str, *, started_at: datetime | None = None) -> bool:
    """May parties `a` and `b` exchange messages of `module` now (the one routing rule)."""
    return bool(allowed_parties(a, module, [b], started_at=started_at))


def no_agreement(a: Party, b: Party, module: str) -> OCPIError:
    """The refusal of a request between a pair that may not exchange the module.

    The spec has no code for it; 4000 (generic hub error) with a message naming the pair and
    the module, so a client neither retries (4002/4003) nor takes the party for unknown (4001).
    """
    return OCPIError(
        status.HUB_ERROR,
        f"No roaming agreement: {a.country_code}*{a.party_id} ({a.role}) and "
        f"{b.country_code}*{b.party_id} ({b.role}) do not exchange {module} through the hub",
    )


def require_exchange(
    a: Party, b: Party, module: str, *, started_at: datetime | None = None
) -> None:
    """Raise the 4000 refusal unless `a` and `b` may exchange `module`."""
    if not may_exchange(a, b, module, started_at=started_at):
        raise no_agreement(a, b, module)


def require_exchange_with(parties: list[Party], to_ref, module: str) -> None:
    """For a request of one of `parties` addressed (OCPI-to) to `to_ref`: the 4000 refusal
    unless one of them may exchange `module` with a party of that address."""
    targets = list(Party.objects.by_id(to_ref.country_code, to_ref.party_id))
    if not targets:
        return  # unknown: the caller answers as for any unknown address
    for party in parties:
        if allowed_parties(party, module, targets):
            return
    raise no_agreement(parties[0], targets[0], module)


def readable_owners(parties: list[Party], module: str) -> Q:
    """A filter on stored objects' `country_code`/`party_id`: the owners whose `module`
    objects one of these parties may read (their own always)."""
    own = _refs_q(party.ref for party in parties)
    allowed: set[tuple[str, str]] = set()
    bound: dict[tuple[str, str], set[int]] = {}  # owner -> the parties with an agreement with it
    for agreement in Agreement.objects.involving(parties).select_related("cpo", "partner"):
        for party in parties:
            if party.pk in (agreement.cpo_id, agreement.partner_id):
                other = agreement.other(party)
                bound.setdefault(other.ref, set()).add(party.pk)
                if other.archived_at is None and _allowed(agreement, module, None):
                    allowed.add(other.ref)
    if agreements_required():
        return own | _refs_q(allowed)
    # Open: everyone, except owners every one of these parties has a refusing agreement with
    # (a party without an agreement with the owner may read it).
    everyone = {party.pk for party in parties}
    refused = {ref for ref, having in bound.items() if ref not in allowed and having >= everyone}
    return own | ~_refs_q(refused)


def _refs_q(refs: Iterable[tuple[str, str]]) -> Q:
    q = Q(pk__in=[])
    for country_code, party_id in set(refs):
        q |= Q(country_code=country_code, party_id=party_id)
    return q


# ClientInfo per pair (mod_hub_client_info): each party sees the others from its point of view.

_AGREEMENT_CLIENT_STATUS = {
    AgreementStatus.PLANNED: ConnectionStatus.PLANNED,
    AgreementStatus.SUSPENDED: ConnectionStatus.SUSPENDED,
    AgreementStatus.ENDED: ConnectionStatus.SUSPENDED,  # spec: will never connect again
}
# When a platform hosts several parties, it is told the most open status any of them has.
_OPENNESS = [
    ConnectionStatus.CONNECTED,
    ConnectionStatus.OFFLINE,
    ConnectionStatus.PLANNED,
    ConnectionStatus.SUSPENDED,
]


def _client_status(viewer: Party, described: Party, agreement: Agreement | None) -> str | None:
    if viewer.pk == described.pk or viewer.archived_at or described.archived_at:
        return None
    if agreement is None:
        return None if agreements_required() else described.platform.status
    now = timezone.now()
    if any(agreement.allows(module, now) for module in agreement.modules):
        return described.platform.status
    if agreement.status == AgreementStatus.ACTIVE:  # outside its validity window
        not_yet = agreement.valid_from is not None and now < agreement.valid_from
        return ConnectionStatus.PLANNED if not_yet else ConnectionStatus.SUSPENDED
    return _AGREEMENT_CLIENT_STATUS.get(agreement.status, ConnectionStatus.SUSPENDED)


def client_info_status(viewer: Party, described: Party) -> str | None:
    """The ConnectionStatus `viewer` is told for `described`, or None: not shown at all.

    CONNECTED (or the platform's OFFLINE/PLANNED/SUSPENDED) where traffic is allowed;
    PLANNED or SUSPENDED as the pair's agreement stands; None where there is no agreement
    under the *agreements* policy (under *open*, the platform's status).
    """
    agreement = _agreements_with(viewer, [described]).get(described.pk)
    return _client_status(viewer, described, agreement)


def client_infos_for(viewers: list[Party], described: Iterable[Party]) -> dict[int, str]:
    """For a platform hosting `viewers`: the status to show of each described party, by pk
    (absent: not shown), the most open that any of the viewers has."""
    described = list(described)
    result: dict[int, str] = {}
    for viewer in viewers:
        agreements = _agreements_with(viewer, described)
        for party in described:
            shown = _client_status(viewer, party, agreements.get(party.pk))
            if shown is None:
                continue
            if party.pk not in result or _OPENNESS.index(shown) < _OPENNESS.index(result[party.pk]):
                result[party.pk] = shown
    return result


# The claim of a delivery: a push queued while the pair could exchange it is not sent once they
# no longer can (suspended, ended, expired, module removed, party archived). Billing data is
# exempt: it was checked against the session's start when it was queued.


def refused_now(batch: list) -> list:
    """The claimed deliveries (of one receiver) that no agreement lets the pair exchange now."""
    if not batch:
        return []
    receiver = Party.objects.get(pk=batch[0].receiver_id)
    checked = [
        d for d in batch if d.message.module in MODULES and d.message.module not in BILLING_MODULES
    ]
    if not checked or (
        receiver.archived_at is None
        and not agreements_required()
        and not Agreement.objects.exists()
    ):
        return []
    senders = {p.pk: p for p in Party.objects.filter(pk__in={d.message.sender_id for d in checked})}
    refused = []
    for module in {d.message.module for d in checked}:
        of_module = [d for d in checked if d.message.module == module]
        allowed = allowed_parties(
            receiver, module, [senders[d.message.sender_id] for d in of_module]
        )
        allowed_pks = {party.pk for party in allowed}
        refused += [d for d in of_module if d.message.sender_id not in allowed_pks]
    return refused
