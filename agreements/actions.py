"""Use cases of roaming agreements; each owns its transaction and records its history."""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from agreements.models import (
    MODULES,
    PARTNER_ROLES,
    Agreement,
    AgreementChange,
    AgreementStatus,
)
from agreements.policy import terms_allow
from hub import delivery
from hub.client import call
from hub.exceptions import invalid
from parties import client_info
from parties.actions import change_status
from parties.models import ConnectionStatus, Party, Platform, Role

# What an agreement that starts allowing a module sends at once: the objects the receiver
# would have got had the agreement been active all along. True: the CPO owns the module's
# objects (the partner receives them); False: the partner owns them (the CPO receives them).
REPLAYED = {"locations": True, "tariffs": True, "tokens": False}


def check_agreement(agreement: Agreement) -> None:
    """2001 naming the field unless the agreement is a well-formed pair and terms."""
    if agreement.cpo.role != Role.CPO:
        raise invalid(f"cpo: {agreement.cpo} is not a CPO")
    if agreement.partner.role not in PARTNER_ROLES:
        raise invalid(f"partner: {agreement.partner} must have role {', '.join(PARTNER_ROLES)}")
    if agreement.status not in AgreementStatus.values:
        raise invalid(f"status: {agreement.status!r} is not one of {', '.join(AgreementStatus)}")
    unknown = set(agreement.modules) - set(MODULES)
    if unknown:
        raise invalid(
            f"modules: unknown {', '.join(sorted(unknown))}; expected {', '.join(MODULES)}"
        )
    if (
        agreement.valid_from is not None
        and agreement.valid_until is not None
        and agreement.valid_until <= agreement.valid_from
    ):
        raise invalid("valid_until: must be after valid_from")


def describe(before: dict | None, after: dict) -> str:
    if before is None:
        return "created: " + ", ".join(f"{k}={_show(v)}" for k, v in after.items())
    return ", ".join(
        f"{key}: {_show(before[key])} -> {_show(value)}"
        for key, value in after.items()
        if before[key] != value
    )


def _show(value) -> str:
    if isinstance(value, list):
        return "+".join(value) or "(none)"
    if value is None:
        return "-"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def save_agreement(agreement: Agreement, changed_by: str) -> AgreementChange | None:
    """Create or change an agreement: validate, store, keep the change in its history,
    announce the pair's ClientInfo again, and send the receiver what it newly may get
    (current Locations, Tariffs, Tokens). Returns the change (None: nothing changed)."""
    check_agreement(agreement)
    agreement.modules = sorted(set(agreement.modules))
    with transaction.atomic():
        previous = None
        if agreement.pk is not None:
            previous = Agreement.objects.select_for_update().filter(pk=agreement.pk).first()
        before = previous.terms() if previous is not None else None
        after = agreement.terms()
        if before == after:
            agreement.save()
            return None
        agreement.save()
        change = AgreementChange.objects.create(
            agreement=agreement,
            changed_at=timezone.now(),
            changed_by=changed_by[:150],
            description=describe(before, after),
            **after,
        )
        now = timezone.now()
        newly = [
            module
            for module in REPLAYED
            if terms_allow(agreement, module, now) and not terms_allow(previous, module, now)
        ]
        replay(agreement, newly)
        announce(agreement)
    return change


def replay(agreement: Agreement, modules: list[str]) -> None:
    """Queue the current objects of `modules` to the side that receives them (inside the
    transaction that made the agreement allow them)."""
    for module in modules:
        cpo_owns = REPLAYED[module]
        owner, receiver = (
            (agreement.cpo, agreement.partner) if cpo_owns else (agreement.partner, agreement.cpo)
        )
        delivery.replay(module, owner, receiver)
    if modules:
        agreement.replayed_at = timezone.now()
        Agreement.objects.filter(pk=agreement.pk).update(replayed_at=agreement.replayed_at)


def announce(agreement: Agreement) -> None:
    """Push both sides' ClientInfo again: what each sees of the other changed."""
    for platform in {agreement.cpo.platform, agreement.partner.platform}:
        client_info.announce(platform)


def check_validity() -> tuple[int, int]:
    """Run periodically: agreements whose `valid_from` has come since they were saved send
    their receivers the current objects; both sides of those starting or passing
    `valid_until` are told their new ClientInfo. Returns (started, expired)."""
    started = replay_started_agreements()
    now = timezone.now()
    expired = list(
        Agreement.objects.filter(status=AgreementStatus.ACTIVE, valid_until__lte=now)
        .filter(Q(expiry_announced_at=None) | Q(expiry_announced_at__lt=F("valid_until")))
        .select_related("cpo", "partner")
    )
    for agreement in expired:
        with transaction.atomic():
            Agreement.objects.filter(pk=agreement.pk).update(expiry_announced_at=now)
            announce(agreement)
    return started, len(expired)


def replay_started_agreements() -> int:
    """Agreements whose `valid_from` has come since they were saved: their receivers get the
    current objects now. Returns how many agreements were replayed."""
    now = timezone.now()
    started = Agreement.objects.filter(status=AgreementStatus.ACTIVE, valid_from__lte=now).filter(
        Q(replayed_at=None) | Q(replayed_at__lt=F("valid_from"))
    )
    count = 0
    for agreement in started.select_related("cpo", "partner"):
        with transaction.atomic():
            replay(agreement, [m for m in REPLAYED if agreement.allows(m, now)])
            if agreement.replayed_at is None:  # nothing it covers is replayed
                Agreement.objects.filter(pk=agreement.pk).update(replayed_at=now)
            announce(agreement)  # PLANNED -> CONNECTED
        count += 1
    return count


def set_status(agreements, status: str, changed_by: str) -> int:
    """Bulk action: give these agreements a status; returns how many changed."""
    changed = 0
    for agreement in agreements:
        agreement.status = status
        changed += save_agreement(agreement, changed_by) is not None
    return changed


def activate_pair(cpo, partner, changed_by: str, modules=MODULES) -> Agreement:
    """The pair exchanges every module from now on (matrix: activate all modules)."""
    agreement = Agreement.objects.filter(cpo=cpo, partner=partner).first() or Agreement(
        cpo=cpo, partner=partner
    )
    agreement.modules = list(modules)
    agreement.status = AgreementStatus.ACTIVE
    save_agreement(agreement, changed_by)
    return agreement


def end_agreements_of(party, changed_by: str) -> int:
    """End every agreement of a party (offboarding); returns how many ended."""
    return set_status(
        Agreement.objects.involving([party]).exclude(status=AgreementStatus.ENDED),
        AgreementStatus.ENDED,
        changed_by,
    )


# Offboarding: a platform or a party leaves; everything it did stays readable.


def archive_party(party: Party, changed_by: str) -> None:
    """Delete a party the only way the hub does: end its agreements and archive it. Its
    messages, deliveries, stored objects and command logs stay; no traffic goes to it."""
    with transaction.atomic():
        end_agreements_of(party, changed_by)
        Party.objects.filter(pk=party.pk).update(archived_at=timezone.now())
        client_info.announce(party.platform)


def offboard_platform(platform: Platform, changed_by: str) -> list[str]:
    """End a platform cleanly: a credentials DELETE to it, its agreements ended, its tokens
    revoked, status SUSPENDED. Its history, stored objects and billing data stay readable.
    Returns what was done, step by step, for the admin."""
    steps = []
    credentials_url = platform.endpoint_url("credentials", "SENDER")
    if platform.outgoing_token and credentials_url:
        reply = call(platform, "DELETE", credentials_url)
        steps.append(
            f"DELETE {credentials_url}: "
            + ("accepted" if reply.ok else f"not accepted ({reply.summary()})")
        )
    else:
        steps.append("No credentials DELETE: the hub holds no credentials for the platform")
    with transaction.atomic():
        ended = sum(end_agreements_of(party, changed_by) for party in platform.parties.live())
        platform.tokens.all().delete()
        platform.outgoing_token = ""
        platform.save(update_fields=["outgoing_token"])
        change_status(platform, ConnectionStatus.SUSPENDED)
        platform.note_registration(f"Offboarded by {changed_by}: {'; '.join(steps)}")
    steps.append(f"{ended} agreement(s) ended; tokens revoked; status SUSPENDED")
    return steps
