"""Validation of the Commands and Charging Profiles objects (mod_commands, mod_charging_profiles).

The hub validates each request fully and then forwards the body as it came, with only
`response_url` replaced: unknown fields are kept (receivers ignore fields they do not know,
so the hub passes them on).
"""

from rest_framework import serializers

from hub.ocpi_types import DisplayTextSerializer
from hub.serializers import OPTIONAL, CiString, DateTime, Enum, HttpURL, Integer, Number
from hub.types import parse_datetime
from tokens.serializers import TokenSerializer

COMMAND_RESULT_TYPE = [
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
COMMAND_RESPONSE_TYPE = ["NOT_SUPPORTED", "REJECTED", "ACCEPTED", "UNKNOWN_SESSION"]
CHARGING_RATE_UNIT = ["W", "A"]
CHARGING_PROFILE_RESPONSE_TYPE = [
    "ACCEPTED",
    "NOT_SUPPORTED",
    "REJECTED",
    "TOO_OFTEN",
    "UNKNOWN_SESSION",
]
CHARGING_PROFILE_RESULT_TYPE = ["ACCEPTED", "REJECTED", "UNKNOWN"]


class CancelReservationSerializer(serializers.Serializer):
    response_url = HttpURL()  # where the asynchronous result is to be POSTed
    reservation_id = CiString(36)


class ReserveNowSerializer(serializers.Serializer):
    response_url = HttpURL()  # where the asynchronous result is to be POSTed
    token = TokenSerializer()
    expiry_date = DateTime()
    reservation_id = CiString(36)
    location_id = CiString(36)
    evse_uid = CiString(36, **OPTIONAL)
    authorization_reference = CiString(36, **OPTIONAL)

    def validate_expiry_date(self, value):
        return parse_datetime(value)  # kept as the reservation's end


class StartSessionSerializer(serializers.Serializer):
    response_url = HttpURL()  # where the asynchronous result is to be POSTed
    token = TokenSerializer()
    location_id = CiString(36)
    evse_uid = CiString(36, **OPTIONAL)
    connector_id = CiString(36, **OPTIONAL)
    authorization_reference = CiString(36, **OPTIONAL)

    def validate(self, attrs):
        if attrs.get("connector_id") and not attrs.get("evse_uid"):
            raise serializers.ValidationError({"evse_uid": "required when connector_id is set"})
        return attrs


class StopSessionSerializer(serializers.Serializer):
    response_url = HttpURL()  # where the asynchronous result is to be POSTed
    session_id = CiString(36)


class UnlockConnectorSerializer(serializers.Serializer):
    response_url = HttpURL()  # where the asynchronous result is to be POSTed
    location_id = CiString(36)
    evse_uid = CiString(36)
    connector_id = CiString(36)


COMMAND_SERIALIZERS = {
    "CANCEL_RESERVATION": CancelReservationSerializer,
    "RESERVE_NOW": ReserveNowSerializer,
    "START_SESSION": StartSessionSerializer,
    "STOP_SESSION": StopSessionSerializer,
    "UNLOCK_CONNECTOR": UnlockConnectorSerializer,
}


class CommandResultSerializer(serializers.Serializer):
    result = Enum(COMMAND_RESULT_TYPE)
    message = DisplayTextSerializer(many=True, **OPTIONAL)


class CommandResponseSerializer(serializers.Serializer):
    """The CPO's direct answer (relayed unchanged; described for the API documentation)."""

    result = Enum(COMMAND_RESPONSE_TYPE)
    timeout = serializers.IntegerField()
    message = DisplayTextSerializer(many=True, **OPTIONAL)


# Charging profiles


class ChargingProfilePeriodSerializer(serializers.Serializer):
    start_period = Integer()
    limit = Number()


class ChargingProfileSerializer(serializers.Serializer):
    start_date_time = DateTime(**OPTIONAL)
    duration = Integer(**OPTIONAL)
    charging_rate_unit = Enum(CHARGING_RATE_UNIT)
    min_charging_rate = Number(**OPTIONAL)
    charging_profile_period = ChargingProfilePeriodSerializer(many=True, **OPTIONAL)


class SetChargingProfileSerializer(serializers.Serializer):
    charging_profile = ChargingProfileSerializer()
    response_url = HttpURL()  # where the asynchronous result is to be POSTed


class ChargingProfileResponseSerializer(serializers.Serializer):
    """The CPO's direct answer (relayed unchanged; described for the API documentation)."""

    result = Enum(CHARGING_PROFILE_RESPONSE_TYPE)
    timeout = serializers.IntegerField()


class ActiveChargingProfileRequestSerializer(serializers.Serializer):
    """The query of GET {session_id}?duration=&response_url=."""

    duration = serializers.IntegerField(min_value=0)
    response_url = HttpURL()  # where the asynchronous result is to be POSTed


class ClearProfileRequestSerializer(serializers.Serializer):
    """The query of DELETE {session_id}?response_url=."""

    response_url = HttpURL()  # where the asynchronous result is to be POSTed


class ActiveChargingProfileSerializer(serializers.Serializer):
    start_date_time = DateTime()
    charging_profile = ChargingProfileSerializer()


class ChargingProfileResultSerializer(serializers.Serializer):
    """ChargingProfileResult and ClearProfileResult: just a result."""

    result = Enum(CHARGING_PROFILE_RESULT_TYPE)


class ActiveChargingProfileResultSerializer(serializers.Serializer):
    result = Enum(CHARGING_PROFILE_RESULT_TYPE)
    profile = ActiveChargingProfileSerializer(**OPTIONAL)


PROFILE_RESULT_SERIALIZERS = {
    "SET_CHARGING_PROFILE": ChargingProfileResultSerializer,
    "CLEAR_CHARGING_PROFILE": ChargingProfileResultSerializer,
    "GET_ACTIVE_CHARGING_PROFILE": ActiveChargingProfileResultSerializer,
}
