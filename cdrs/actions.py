"""Use cases of the cdrs module: a CDR is stored once, never changed, delivered to one eMSP."""

from django.db import IntegrityError, transaction

from cdrs.models import EMSP_ROLES, Cdr
from cdrs.serializers import validate_cdr
from hub import delivery
from hub.client import Reply
from hub.endpoints import endpoint_url
from hub.exceptions import invalid
from hub.models import Delivery
from hub.policy import STRICT, Validation
from hub.routing import PartyRef
from hub.types import parse_datetime
from parties.models import Party
from sessions.actions import token_owner

MODULE = "cdrs"


def hub_location(cdr: Cdr) -> str:
    """The URL of the hub's copy of a CDR, returned to the CPO as `Location` (a URL, ≤255)."""
    return f"{endpoint_url(MODULE, 'RECEIVER')}{cdr.uid}"


def post_cdr(
    *,
    platform_cpos: list[Party],
    from_ref: PartyRef | None,
    to_ref: PartyRef | None,
    data,
    body: bytes,
    correlation_id: str = "",
    validation: Validation = STRICT,
) -> Cdr:
    """Validate and store a CPO's new CDR and queue its POST to the eMSP it is for.

    The owner is the CDR's country_code/party_id: one of the calling platform's CPOs (and the
    OCPI-from party, when given). A CDR already stored is refused with 2001: CDRs never
    change, a correction is a Credit CDR (mod_cdrs, Credit CDRs).
    """
    if not isinstance(data, dict):
        raise invalid("body: expected a JSON object (CDR)")
    validate_cdr(data, validation)
    ref = PartyRef(data["country_code"].upper(), data["party_id"].upper())
    key = (ref.country_code, ref.party_id)
    owner = next((party for party in platform_cpos if party.ref == key), None)
    if owner is None or (from_ref is not None and from_ref != ref):
        raise invalid(f"country_code/party_id: {ref} is not the sending CPO")
    emsp = to_ref or token_owner(data)
    duplicate = invalid(
        f"id: CDR {data['id']} of {ref} already exists; a CDR cannot be replaced, "
        "send a Credit CDR with a new id"
    )
    if Cdr.objects.owned_by(*owner.ref).filter(cdr_id=data["id"].upper()).exists():
        raise duplicate
    try:
        with transaction.atomic():
            # 4001 (unknown) or 4000 (no agreement at the session's start)
            targets = delivery.routed_receivers(
                MODULE, owner, emsp, EMSP_ROLES, parse_datetime(data["start_date_time"])
            )
            cdr = Cdr.objects.create(
                country_code=owner.country_code,
                party_id=owner.party_id,
                cdr_id=data["id"].upper(),
                document=data,
                emsp_country_code=emsp.country_code,
                emsp_party_id=emsp.party_id,
                start_date_time=parse_datetime(data["start_date_time"]),
                end_date_time=parse_datetime(data["end_date_time"]),
                last_updated_at=parse_datetime(data["last_updated"]),
                credit=bool(data.get("credit")),
                credit_reference_id=str(data.get("credit_reference_id") or "").upper(),
            )
            cdr.message = delivery.enqueue(
                module=MODULE,
                method="POST",
                owner=ref,
                object_id=data["id"],
                segments=[],
                body=body,
                sender=owner,
                receivers=targets,
                correlation_id=correlation_id,
            )
            cdr.save(update_fields=["message"])
    except IntegrityError:  # the same CDR POSTed twice at once
        raise duplicate from None
    return cdr


@delivery.on_delivered(MODULE)
def keep_emsp_location(delivered: Delivery, reply: Reply) -> None:
    """Keep the eMSP's `Location` header: where the CDR lives in the eMSP's system."""
    location = reply.headers.get("location", "")[:255]
    if location:
        Cdr.objects.filter(message_id=delivered.message_id).update(emsp_location=location)
