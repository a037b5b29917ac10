"""Use cases of the sessions module; each owns its transaction."""

from django.db import transaction
from rest_framework import serializers

from cdrs.models import EMSP_ROLES
from cdrs.serializers import SessionChargingPeriodSerializer
from hub import delivery, status
from hub.exceptions import OCPIError, invalid
from hub.models import retry_on_conflict
from hub.policy import STRICT, Validation
from hub.routing import PartyRef
from hub.serializers import OPTIONAL
from hub.types import parse_datetime
from parties.models import Party
from sessions.models import Session
from sessions.serializers import SessionSerializer

MODULE = "sessions"
# Refused even by a lenient policy (hub.policy): ids, the token the Session is routed by, the
# stored status and times, and charging_periods (a PATCH appends to the list).
REFUSED = frozenset(
    (
        "country_code",
        "party_id",
        "id",
        "cdr_token.*",
        "start_date_time",
        "end_date_time",
        "status",
        "last_updated",
        "charging_periods",
    )
)


class PatchedPeriodsSerializer(serializers.Serializer):
    charging_periods = SessionChargingPeriodSerializer(many=True, **OPTIONAL)


def token_owner(document: dict) -> PartyRef | None:
    token = document.get("cdr_token")
    if not isinstance(token, dict) or not token.get("country_code") or not token.get("party_id"):
        return None
    return PartyRef(str(token["country_code"]).upper(), str(token["party_id"]).upper())


@retry_on_conflict
def push_session(
    *,
    owner: Party,
    to_ref: PartyRef | None,
    method: str,
    session_id: str,
    data,
    body: bytes,
    correlation_id: str = "",
    validation: Validation = STRICT,
) -> bool:
    """Validate and store a CPO's PUT or PATCH of a Session and queue its delivery to the one
    eMSP it is for. Returns True when a PUT created the Session."""
    if not isinstance(data, dict):
        raise invalid("body: expected a JSON object (Session)")
    _check_ids(owner, session_id, data, method)
    if method == "PUT":
        validation.check(SessionSerializer, data, module=MODULE, refused=REFUSED)
    else:  # errors name the PATCH's own periods
        validation.check(PatchedPeriodsSerializer, data, module=MODULE, refused=REFUSED)

    with transaction.atomic():
        session = (
            Session.objects.owned_by(*owner.ref)
            .select_for_update()
            .filter(session_id=session_id.upper())
            .first()
        )
        # A PATCH of a Session the hub never stored has no owner to route to (mod_sessions,
        # Receiver interface): 404 + 2001, nothing pushed.
        if session is None and method == "PATCH":
            raise OCPIError(
                status.INVALID_OR_MISSING_PARAMETERS,
                f"Unknown Session {session_id}: PUT it first",
                http_status=404,
            )
        document = data if method == "PUT" else _merged(session.document, data, validation)
        emsp = _emsp(to_ref, data, session)
        # 4001 (unknown) or 4000 (no agreement at the session's start): rolls back
        targets = delivery.routed_receivers(
            MODULE, owner, emsp, EMSP_ROLES, parse_datetime(document["start_date_time"])
        )
        created = session is None
        if created:
            session = Session(
                country_code=owner.country_code,
                party_id=owner.party_id,
                session_id=session_id.upper(),
            )
        _save(session, document, emsp)
        delivery.enqueue(
            module=MODULE,
            method=method,
            owner=PartyRef(*owner.ref),
            object_id=session_id,
            segments=[session_id],
            body=body,
            sender=owner,
            receivers=targets,
            correlation_id=correlation_id,
        )
    return created


def _check_ids(owner: Party, session_id: str, data: dict, method: str) -> None:
    expected = {"id": session_id, "country_code": owner.country_code, "party_id": owner.party_id}
    for field, value in expected.items():
        if (method == "PUT" or field in data) and str(data.get(field, "")).upper() != value.upper():
            raise invalid(f"{field}: {data.get(field)!r} does not match {value!r} in the URL")
    if method == "PATCH" and "last_updated" not in data:
        raise invalid("last_updated: required in every PATCH")


def _merged(current: dict, patch: dict, validation: Validation) -> dict:
    """A PATCH replaces the fields it names, except charging_periods: those are appended
    (mod_sessions: PATCH Method). The result must be a valid Session."""
    merged = {**current, **patch}
    if "charging_periods" in patch:
        merged["charging_periods"] = (current.get("charging_periods") or []) + (
            patch["charging_periods"] or []
        )
    validation.check(SessionSerializer, merged, module=MODULE, refused=REFUSED)
    return merged


def _emsp(to_ref: PartyRef | None, data: dict, session: Session | None) -> PartyRef:
    """Where the Session goes: OCPI-to, else the owner of the token in the body, else (a PATCH
    without cdr_token) the eMSP stored with the Session. Never a broadcast."""
    if to_ref is not None:
        return to_ref
    if "cdr_token" in data or session is None:
        return token_owner(data)
    return PartyRef(session.emsp_country_code, session.emsp_party_id)


def _save(session: Session, document: dict, emsp: PartyRef) -> None:
    session.document = document
    session.status = document["status"]
    session.start_date_time = parse_datetime(document["start_date_time"])
    end = document.get("end_date_time")
    session.end_date_time = parse_datetime(end) if end else None
    session.last_updated_at = parse_datetime(document["last_updated"])
    session.emsp_country_code, session.emsp_party_id = emsp.country_code, emsp.party_id
    session.save()


delivery.stored_document_as_put(MODULE, Session, lambda message: {"session_id": message.object_id})
