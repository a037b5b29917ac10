"""Use cases of the tokens module; each owns its transaction."""

from django.db import transaction
from django.db.models import Exists, OuterRef

from hub import delivery, status
from hub.exceptions import OCPIError, invalid, not_found
from hub.models import Message, retry_on_conflict
from hub.policy import STRICT, Validation
from hub.routing import PartyRef
from hub.sharing import share
from hub.types import parse_datetime
from parties.models import Party, Role
from tokens.models import Token
from tokens.serializers import DEFAULT_TYPE, validate_token

MODULE = "tokens"
# Parties that own and push Tokens: eMSPs, and OTHER, which the spec sees as an eMSP type of
# role (transport_and_format, Broadcast Push).
TOKEN_OWNERS = (Role.EMSP, Role.OTHER)


def key_type(query_type: str | None, data: dict) -> str:
    """The TokenType a push is about: `?type=`, else the body's `type` (imperfect peers push
    APP_USER Tokens without `?type=`), else RFID (mod_tokens: a
    Token is identified by country_code, party_id, uid and type)."""
    body_type = data.get("type")
    if query_type and body_type is not None and body_type != query_type:
        raise invalid(f"type: {body_type!r} in the body does not match ?type={query_type}")
    return query_type or (body_type if isinstance(body_type, str) else None) or DEFAULT_TYPE


@retry_on_conflict
def push_token(
    *,
    owner: Party,
    to_ref: PartyRef | None,
    method: str,
    uid: str,
    query_type: str | None,
    data,
    body: bytes,
    correlation_id: str = "",
    validation: Validation = STRICT,
) -> bool:
    """Validate and store an eMSP's PUT or PATCH of a Token and queue its delivery to the CPOs.
    Returns True when a PUT created the Token."""
    if not isinstance(data, dict):
        raise invalid("body: expected a JSON object (Token)")
    token_type = key_type(query_type, data)
    targets = delivery.receivers(MODULE, owner, to_ref)  # 4001 before anything is stored
    _check_ids(owner, uid, data, method)
    if method == "PUT":
        validate_token(data, validation)

    with transaction.atomic():
        token = (
            Token.objects.owned_by(*owner.ref)
            .select_for_update()
            .filter(uid=uid.upper(), type=token_type)
            .first()
        )
        created = token is None
        if token is None:
            if method == "PATCH":  # never stored: 404 + 2001, nothing pushed
                raise invalid(f"Unknown Token {uid} of type {token_type}", http_status=404)
            token = Token(
                country_code=owner.country_code,
                party_id=owner.party_id,
                uid=uid.upper(),
                type=token_type,
            )
        document = (
            data if method == "PUT" else validate_token({**token.document, **data}, validation)
        )
        token.document = document
        token.contract_id = str(document["contract_id"])
        token.last_updated_at = parse_datetime(document["last_updated"])
        token.save()
        share(token, to_ref)
        delivery.enqueue(
            module=MODULE,
            method=method,
            owner=PartyRef(*owner.ref),
            object_id=f"{uid}:{token_type}",
            segments=[uid],
            body=body,
            sender=owner,
            receivers=targets,
            correlation_id=correlation_id,
            broadcast=delivery.is_broadcast(to_ref),
        )
    return created


def _check_ids(owner: Party, uid: str, data: dict, method: str) -> None:
    for field, value in (
        ("uid", uid.upper()),
        ("country_code", owner.country_code),
        ("party_id", owner.party_id),
    ):
        if (method == "PUT" or field in data) and str(data.get(field, "")).upper() != value:
            raise invalid(f"{field}: {data.get(field)!r} does not match {value!r} in the URL")
    if method == "PATCH" and "last_updated" not in data:
        raise invalid("last_updated: required in every PATCH")


def find_token(owner: Party, uid: str, token_type: str) -> Token:
    token = Token.objects.owned_by(*owner.ref).filter(uid=uid.upper(), type=token_type).first()
    if token is None:
        raise not_found(f"Unknown Token {uid} of type {token_type}", status.UNKNOWN_TOKEN)
    return token


def token_owner(uid: str, token_type: str) -> Party:
    """The eMSP owning (uid, type), with its platform and endpoints: one indexed query (and
    the endpoints). Unknown: HTTP 404 + 2004, as the eMSP would answer (mod_tokens, Real-time
    authorization: 2004 unknown Token); an authorization is never broadcast."""
    owns = Token.objects.filter(
        uid=uid.upper(),
        type=token_type,
        country_code=OuterRef("country_code"),
        party_id=OuterRef("party_id"),
    )
    owners = list(
        Party.objects.filter(Exists(owns), role__in=TOKEN_OWNERS)
        .select_related("platform")
        .prefetch_related("platform__endpoints")[:2]
    )
    if not owners:
        raise not_found(f"Unknown Token {uid} of type {token_type}", status.UNKNOWN_TOKEN)
    if len(owners) > 1:
        raise OCPIError(
            status.INVALID_OR_MISSING_PARAMETERS,
            f"Token {uid} of type {token_type} exists at several eMSPs: name one with "
            "OCPI-to-country-code and OCPI-to-party-id",
        )
    return owners[0]


@delivery.request_params(MODULE)
def token_type_of(message: Message) -> dict[str, str]:
    """Every Token push names its type (`object_id` is `UID:TYPE`)."""
    return {"type": message.object_id.rsplit(":", 1)[1]}


delivery.stored_document_as_put(
    MODULE,
    Token,
    lambda message: dict(zip(("uid", "type"), message.object_id.rsplit(":", 1), strict=True)),
    id_field="uid",
    object_id=lambda token: f"{token.document['uid']}:{token.type}",
)
