"""Validation of Location, EVSE and Connector (mod_locations: Object description, Data types).

Every error names its field; the stored copy is the pushed JSON itself, not serializer output.
"""

from rest_framework import serializers

from hub.ocpi_types import (
    CONNECTOR_FORMAT,
    CONNECTOR_TYPE,
    HOUR_MINUTE,
    POWER_TYPE,
    TOKEN_TYPE,
    BusinessDetailsSerializer,
    DisplayTextSerializer,
    EnergyMixSerializer,
    GeoLocationSerializer,
    ImageSerializer,
)
from hub.policy import STRICT, Validation
from hub.serializers import (
    OPTIONAL,
    URL,
    Boolean,
    CiString,
    DateTime,
    Enum,
    Integer,
    Pattern,
    String,
    enum_list,
)

STATUS = [
    "AVAILABLE",
    "BLOCKED",
    "CHARGING",
    "INOPERATIVE",
    "OUTOFORDER",
    "PLANNED",
    "REMOVED",
    "RESERVED",
    "UNKNOWN",
]
CAPABILITY = [
    "CHARGING_PROFILE_CAPABLE",
    "CHARGING_PREFERENCES_CAPABLE",
    "CHIP_CARD_SUPPORT",
    "CONTACTLESS_CARD_SUPPORT",
    "CREDIT_CARD_PAYABLE",
    "DEBIT_CARD_PAYABLE",
    "PED_TERMINAL",
    "REMOTE_START_STOP_CAPABLE",
    "RESERVABLE",
    "RFID_READER",
    "START_SESSION_CONNECTOR_REQUIRED",
    "TOKEN_GROUP_CAPABLE",
    "UNLOCK_CAPABLE",
]
PARKING_TYPE = [
    "ALONG_MOTORWAY",
    "PARKING_GARAGE",
    "PARKING_LOT",
    "ON_DRIVEWAY",
    "ON_STREET",
    "UNDERGROUND_GARAGE",
]
PARKING_RESTRICTION = ["EV_ONLY", "PLUGGED", "DISABLED", "CUSTOMERS", "MOTORCYCLES"]
FACILITY = [
    "HOTEL",
    "RESTAURANT",
    "CAFE",
    "MALL",
    "SUPERMARKET",
    "SPORT",
    "RECREATION_AREA",
    "NATURE",
    "MUSEUM",
    "BIKE_SHARING",
    "BUS_STOP",
    "TAXI_STAND",
    "TRAM_STOP",
    "METRO_STATION",
    "TRAIN_STATION",
    "AIRPORT",
    "PARKING_LOT",
    "CARPOOL_PARKING",
    "FUEL_STATION",
    "WIFI",
]


class AdditionalGeoLocationSerializer(GeoLocationSerializer):
    name = DisplayTextSerializer(**OPTIONAL)


class PublishTokenTypeSerializer(serializers.Serializer):
    uid = CiString(36, **OPTIONAL)
    type = Enum(TOKEN_TYPE, **OPTIONAL)
    visual_number = String(64, **OPTIONAL)
    issuer = String(64, **OPTIONAL)
    group_id = CiString(36, **OPTIONAL)

    def validate(self, attrs):
        if not any(attrs.get(name) for name in ("uid", "visual_number", "group_id")):
            raise serializers.ValidationError("At least one of uid, visual_number or group_id.")
        if attrs.get("uid") and not attrs.get("type"):
            raise serializers.ValidationError({"type": "Required when uid is given."})
        if attrs.get("visual_number") and not attrs.get("issuer"):
            raise serializers.ValidationError({"issuer": "Required when visual_number is given."})
        return attrs


class RegularHoursSerializer(serializers.Serializer):
    weekday = Integer(min_value=1, max_value=7)
    period_begin = Pattern(5, HOUR_MINUTE)
    period_end = Pattern(5, HOUR_MINUTE)


class ExceptionalPeriodSerializer(serializers.Serializer):
    period_begin = DateTime()
    period_end = DateTime()


class HoursSerializer(serializers.Serializer):
    twentyfourseven = Boolean()
    regular_hours = RegularHoursSerializer(many=True, **OPTIONAL)
    exceptional_openings = ExceptionalPeriodSerializer(many=True, **OPTIONAL)
    exceptional_closings = ExceptionalPeriodSerializer(many=True, **OPTIONAL)

    def validate(self, attrs):
        if attrs["twentyfourseven"] is False and not attrs.get("regular_hours"):
            raise serializers.ValidationError(
                {"regular_hours": "At least one entry is required when twentyfourseven is false."}
            )
        return attrs


class StatusScheduleSerializer(serializers.Serializer):
    period_begin = DateTime()
    period_end = DateTime(**OPTIONAL)
    status = Enum(STATUS)


class ConnectorSerializer(serializers.Serializer):
    id = CiString(36)
    standard = Enum(CONNECTOR_TYPE)
    format = Enum(CONNECTOR_FORMAT)
    power_type = Enum(POWER_TYPE)
    max_voltage = Integer()
    max_amperage = Integer()
    max_electric_power = Integer(**OPTIONAL)
    tariff_ids = serializers.ListField(child=CiString(36), **OPTIONAL)
    terms_and_conditions = URL(**OPTIONAL)
    last_updated = DateTime()


class EvseSerializer(serializers.Serializer):
    uid = CiString(36)
    evse_id = CiString(48, **OPTIONAL)
    status = Enum(STATUS)
    status_schedule = StatusScheduleSerializer(many=True, **OPTIONAL)
    capabilities = enum_list(CAPABILITY)
    connectors = ConnectorSerializer(many=True, allow_empty=False)
    floor_level = String(4, **OPTIONAL)
    coordinates = GeoLocationSerializer(**OPTIONAL)
    physical_reference = String(16, **OPTIONAL)
    directions = DisplayTextSerializer(many=True, **OPTIONAL)
    parking_restrictions = enum_list(PARKING_RESTRICTION)
    images = ImageSerializer(many=True, **OPTIONAL)
    last_updated = DateTime()


class LocationSerializer(serializers.Serializer):
    country_code = CiString(2)
    party_id = CiString(3)
    id = CiString(36)
    publish = Boolean()
    publish_allowed_to = PublishTokenTypeSerializer(many=True, **OPTIONAL)
    name = String(255, **OPTIONAL)
    address = String(255)
    city = String(45)
    postal_code = String(10, **OPTIONAL)
    state = String(45, **OPTIONAL)
    country = String(3, allow_blank=False)
    coordinates = GeoLocationSerializer()
    related_locations = AdditionalGeoLocationSerializer(many=True, **OPTIONAL)
    parking_type = Enum(PARKING_TYPE, **OPTIONAL)
    evses = EvseSerializer(many=True, **OPTIONAL)
    directions = DisplayTextSerializer(many=True, **OPTIONAL)
    operator = BusinessDetailsSerializer(**OPTIONAL)
    suboperator = BusinessDetailsSerializer(**OPTIONAL)
    owner = BusinessDetailsSerializer(**OPTIONAL)
    facilities = enum_list(FACILITY)
    time_zone = String(255, allow_blank=False)
    opening_times = HoursSerializer(**OPTIONAL)
    charging_when_closed = Boolean(**OPTIONAL)
    images = ImageSerializer(many=True, **OPTIONAL)
    energy_mix = EnergyMixSerializer(**OPTIONAL)
    last_updated = DateTime()

    def validate(self, attrs):
        if attrs.get("publish_allowed_to") and attrs["publish"]:
            raise serializers.ValidationError(
                {"publish_allowed_to": "Only allowed when publish is false."}
            )
        return attrs


SERIALIZERS = {1: LocationSerializer, 2: EvseSerializer, 3: ConnectorSerializer}
ID_FIELDS = {1: "id", 2: "uid", 3: "id"}


# Refused even by a lenient policy (hub.policy): the ids and last_updated the hub stores and
# copies to parents, and the lists of EVSEs and Connectors it merges by uid and id.
_CONNECTOR_KEYS = ("id", "last_updated")
_EVSE_KEYS = (
    "uid",
    "last_updated",
    "connectors",
    "connectors[]",
    *(f"connectors[].{key}" for key in _CONNECTOR_KEYS),
)
REFUSED = {
    1: frozenset(
        (
            "country_code",
            "party_id",
            "id",
            "last_updated",
            "evses",
            "evses[]",
            *(f"evses[].{key}" for key in _EVSE_KEYS),
        )
    ),
    2: frozenset(_EVSE_KEYS),
    3: frozenset(_CONNECTOR_KEYS),
}


def validate_object(depth: int, data, validation: Validation = STRICT) -> dict:
    """Check a Location (depth 1), EVSE (2) or Connector (3); ValidationError names the field."""
    validation.check(SERIALIZERS[depth], data, module="locations", refused=REFUSED[depth])
    return data
