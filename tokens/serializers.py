"""Validation of Token and LocationReferences (mod_tokens: Object description, Data types).

Every error names its field; the hub stores the pushed JSON itself."""

from rest_framework import serializers

from hub.ocpi_types import PROFILE_TYPE, TOKEN_TYPE, DisplayTextSerializer
from hub.policy import STRICT, Validation
from hub.serializers import (
    OPTIONAL,
    Boolean,
    CiString,
    DateTime,
    Enum,
    String,
    validate,
)

WHITELIST_TYPE = ["ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"]
ALLOWED_TYPE = ["ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"]
DEFAULT_TYPE = "RFID"  # Spec: `type` parameter, "Default if omitted: RFID"


class EnergyContractSerializer(serializers.Serializer):
    supplier_name = String(64, allow_blank=False)
    contract_id = String(64, **OPTIONAL)


class TokenSerializer(serializers.Serializer):
    country_code = CiString(2)
    party_id = CiString(3)
    uid = CiString(36)
    type = Enum(TOKEN_TYPE)
    contract_id = CiString(36)
    visual_number = String(64, **OPTIONAL)
    issuer = String(64)
    group_id = CiString(36, **OPTIONAL)
    valid = Boolean()
    whitelist = Enum(WHITELIST_TYPE)
    language = String(2, **OPTIONAL)
    default_profile_type = Enum(PROFILE_TYPE, **OPTIONAL)
    energy_contract = EnergyContractSerializer(**OPTIONAL)
    last_updated = DateTime()


class LocationReferencesSerializer(serializers.Serializer):
    location_id = CiString(36)
    evse_uids = serializers.ListField(child=CiString(36), **OPTIONAL)


class AuthorizationInfoSerializer(serializers.Serializer):
    """The eMSP's answer to authorize (relayed unchanged; for the API documentation)."""

    allowed = Enum(ALLOWED_TYPE)
    token = TokenSerializer()
    location = LocationReferencesSerializer(**OPTIONAL)
    authorization_reference = CiString(36, **OPTIONAL)
    info = DisplayTextSerializer(**OPTIONAL)


# Refused even by a lenient policy (hub.policy): the Token's key (country_code, party_id, uid,
# type), the stored contract_id and last_updated.
REFUSED = frozenset(("country_code", "party_id", "uid", "type", "contract_id", "last_updated"))


def validate_token(data, validation: Validation = STRICT) -> dict:
    """Check a Token; ValidationError names the field."""
    validation.check(TokenSerializer, data, module="tokens", refused=REFUSED)
    return data


def validate_location_references(data) -> dict:
    validate(LocationReferencesSerializer, data)
    return data


def token_type_param(value: str | None) -> str | None:
    """The `type` query parameter: a TokenType, or None when absent."""
    if value in (None, ""):
        return None
    if value not in TOKEN_TYPE:
        raise serializers.ValidationError({"type": f"{value!r} is not a TokenType (query)."})
    return value
