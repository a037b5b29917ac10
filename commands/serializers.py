"""Validation of the Commands and Charging Profiles objects (mod_commands, mod_charging_profiles).

The hub validates each request fully and then forwards the body as it came, with only
`response_url` replaced: unknown fields are kept (HUB-RULES R1.3.5).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.types import PRINTABLE_ASCII, parse_datetime


class CiStringField(serializers.CharField):
    """CiString(n): printable ASCII, at most n characters."""

    def __init__(self, max_length: int, **kwargs):
        super().__init__(max_length=max_length, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not PRINTABLE_ASCII.fullmatch(value):
            raise serializers.ValidationError("must be printable ASCII (CiString)")
        return value


class StringField(serializers.CharField):
    """string(n): printable UTF-8 without CR, LF or TAB, at most n characters."""

    def __init__(self, max_length: int, **kwargs):
        super().__init__(max_length=max_length, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if any(char in value for char in "\r\n\t"):
            raise serializers.ValidationError("must not contain CR, LF or TAB")
        return value


@extend_schema_field(OpenApiTypes.DATETIME)
class DateTimeField(serializers.Field):
    """OCPI DateTime: UTC, e.g. 2024-01-31T12:00:00Z."""

    def to_internal_value(self, data):
        try:
            return parse_datetime(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanField(serializers.Field):
    """A JSON boolean: true or false, not "true" or 1."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            raise serializers.ValidationError("must be true or false")
        return data

    def to_representation(self, value):
        return value


class NumberField(serializers.FloatField):
    """A JSON number."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise serializers.ValidationError("must be a number")
        return super().to_internal_value(data)


class IntField(serializers.IntegerField):
    """A JSON integer (query parameters are parsed from text by the view first)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError("must be an integer")
        return super().to_internal_value(data)


# Cardinality `?` and `*`: may be omitted or null.
OPTIONAL = {"required": False, "allow_null": True}


class ResponseUrlField(serializers.URLField):
    """URL, string(255): where the asynchronous result is to be POSTed."""

    def __init__(self, **kwargs):
        super().__init__(max_length=255, **kwargs)


class DisplayTextSerializer(serializers.Serializer):
    language = StringField(2)
    text = StringField(512)


class EnergyContractSerializer(serializers.Serializer):
    supplier_name = StringField(64)
    contract_id = StringField(64, **OPTIONAL)


class TokenSerializer(serializers.Serializer):
    """The Token class of mod_tokens, as embedded in StartSession and ReserveNow."""

    country_code = CiStringField(2)
    party_id = CiStringField(3)
    uid = CiStringField(36)
    type = serializers.ChoiceField(["AD_HOC_USER", "APP_USER", "OTHER", "RFID"])
    contract_id = CiStringField(36)
    visual_number = StringField(64, **OPTIONAL)
    issuer = StringField(64)
    group_id = CiStringField(36, **OPTIONAL)
    valid = StrictBooleanField()
    whitelist = serializers.ChoiceField(["ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"])
    language = StringField(2, **OPTIONAL)
    default_profile_type = serializers.ChoiceField(
        ["CHEAP", "FAST", "GREEN", "REGULAR"], **OPTIONAL
    )
    energy_contract = EnergyContractSerializer(**OPTIONAL)
    last_updated = DateTimeField()


class CancelReservationSerializer(serializers.Serializer):
    response_url = ResponseUrlField()
    reservation_id = CiStringField(36)


class ReserveNowSerializer(serializers.Serializer):
    response_url = ResponseUrlField()
    token = TokenSerializer()
    expiry_date = DateTimeField()
    reservation_id = CiStringField(36)
    location_id = CiStringField(36)
    evse_uid = CiStringField(36, **OPTIONAL)
    authorization_reference = CiStringField(36, **OPTIONAL)


class StartSessionSerializer(serializers.Serializer):
    response_url = ResponseUrlField()
    token = TokenSerializer()
    location_id = CiStringField(36)
    evse_uid = CiStringField(36, **OPTIONAL)
    connector_id = CiStringField(36, **OPTIONAL)
    authorization_reference = CiStringField(36, **OPTIONAL)

    def validate(self, attrs):
        if attrs.get("connector_id") and not attrs.get("evse_uid"):
            raise serializers.ValidationError({"evse_uid": "required when connector_id is set"})
        return attrs


class StopSessionSerializer(serializers.Serializer):
    response_url = ResponseUrlField()
    session_id = CiStringField(36)


class UnlockConnectorSerializer(serializers.Serializer):
    response_url = ResponseUrlField()
    location_id = CiStringField(36)
    evse_uid = CiStringField(36)
    connector_id = CiStringField(36)


COMMAND_SERIALIZERS = {
    "CANCEL_RESERVATION": CancelReservationSerializer,
    "RESERVE_NOW": ReserveNowSerializer,
    "START_SESSION": StartSessionSerializer,
    "STOP_SESSION": StopSessionSerializer,
    "UNLOCK_CONNECTOR": UnlockConnectorSerializer,
}


class CommandResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        [
            "ACCEPTED",
            "CANCELED_RESERVATION",
            "EVSE_OCCUPIED",
            "EVSE_INOPERATIVE",
            "FAILED",
            "NOT_SUPPORTED",
            "REJECTED",
            "TIMEOUT",
            "UNKNOWN_RESERVATION",
        ]
    )
    message = DisplayTextSerializer(many=True, **OPTIONAL)


class CommandResponseSerializer(serializers.Serializer):
    """The CPO's direct answer (relayed unchanged; described for the API documentation)."""

    result = serializers.ChoiceField(["NOT_SUPPORTED", "REJECTED", "ACCEPTED", "UNKNOWN_SESSION"])
    timeout = serializers.IntegerField()
    message = DisplayTextSerializer(many=True, **OPTIONAL)


# Charging profiles


class ChargingProfilePeriodSerializer(serializers.Serializer):
    start_period = IntField()
    limit = NumberField()


class ChargingProfileSerializer(serializers.Serializer):
    start_date_time = DateTimeField(**OPTIONAL)
    duration = IntField(**OPTIONAL)
    charging_rate_unit = serializers.ChoiceField(["W", "A"])
    min_charging_rate = NumberField(**OPTIONAL)
    charging_profile_period = ChargingProfilePeriodSerializer(many=True, **OPTIONAL)


class SetChargingProfileSerializer(serializers.Serializer):
    charging_profile = ChargingProfileSerializer()
    response_url = ResponseUrlField()


class ChargingProfileResponseSerializer(serializers.Serializer):
    """The CPO's direct answer (relayed unchanged; described for the API documentation)."""

    result = serializers.ChoiceField(
        ["ACCEPTED", "NOT_SUPPORTED", "REJECTED", "TOO_OFTEN", "UNKNOWN_SESSION"]
    )
    timeout = serializers.IntegerField()


class ActiveChargingProfileRequestSerializer(serializers.Serializer):
    """The query of GET {session_id}?duration=&response_url=."""

    duration = serializers.IntegerField(min_value=0)
    response_url = ResponseUrlField()


class ClearProfileRequestSerializer(serializers.Serializer):
    """The query of DELETE {session_id}?response_url=."""

    response_url = ResponseUrlField()


class ActiveChargingProfileSerializer(serializers.Serializer):
    start_date_time = DateTimeField()
    charging_profile = ChargingProfileSerializer()


PROFILE_RESULT_TYPES = ["ACCEPTED", "REJECTED", "UNKNOWN"]


class ChargingProfileResultSerializer(serializers.Serializer):
    """ChargingProfileResult and ClearProfileResult: just a result."""

    result = serializers.ChoiceField(PROFILE_RESULT_TYPES)


class ActiveChargingProfileResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(PROFILE_RESULT_TYPES)
    profile = ActiveChargingProfileSerializer(**OPTIONAL)


PROFILE_RESULT_SERIALIZERS = {
    "SET_CHARGING_PROFILE": ChargingProfileResultSerializer,
    "CLEAR_CHARGING_PROFILE": ChargingProfileResultSerializer,
    "GET_ACTIVE_CHARGING_PROFILE": ActiveChargingProfileResultSerializer,
}
