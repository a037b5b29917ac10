"""Validation of CDRs (mod_cdrs: Object description, Data types).

The classes Sessions share with CDRs (CdrToken, ChargingPeriod) are in hub.ocpi_types.

Every error names its field; the stored copy is the pushed JSON itself, not serializer output.
"""

from rest_framework import serializers

from hub.ocpi_types import (
    AUTH_METHOD,
    CDR_DIMENSION_TYPE,
    CONNECTOR_FORMAT,
    CONNECTOR_TYPE,
    CURRENCY,
    POWER_TYPE,
    SESSION_ONLY_DIMENSION_TYPE,
    CdrTokenSerializer,
    GeoLocationSerializer,
    PriceSerializer,
    SessionChargingPeriodSerializer,
    SessionDimensionSerializer,
)
from hub.policy import STRICT, Validation
from hub.serializers import (
    OPTIONAL,
    Boolean,
    CiString,
    DateTime,
    Enum,
    Integer,
    Number,
    Pattern,
    String,
)
from tariffs.serializers import TariffSerializer

NON_CREDIT_ID_LENGTH = 36


class CdrDimensionSerializer(SessionDimensionSerializer):
    type = Enum(CDR_DIMENSION_TYPE)

    def to_internal_value(self, data):
        if isinstance(data, dict) and data.get("type") in SESSION_ONLY_DIMENSION_TYPE:
            raise serializers.ValidationError(
                {"type": f"{data['type']} is only allowed in Sessions, not in CDRs."}
            )
        return super().to_internal_value(data)


class CdrChargingPeriodSerializer(SessionChargingPeriodSerializer):
    dimensions = CdrDimensionSerializer(many=True, allow_empty=False)


class CdrLocationSerializer(serializers.Serializer):
    # mod_cdrs, CdrLocation: address 45 and state 20, as written (Location has 255/45).
    id = CiString(36)
    name = String(255, **OPTIONAL)
    address = String(45)
    city = String(45)
    postal_code = String(10, **OPTIONAL)
    state = String(20, **OPTIONAL)
    country = String(3, allow_blank=False)
    coordinates = GeoLocationSerializer()
    evse_uid = CiString(36)
    evse_id = CiString(48)
    connector_id = CiString(36)
    connector_standard = Enum(CONNECTOR_TYPE)
    connector_format = Enum(CONNECTOR_FORMAT)
    connector_power_type = Enum(POWER_TYPE)


class SignedValueSerializer(serializers.Serializer):
    nature = CiString(32)
    plain_data = String(5000)
    signed_data = String(5000)


class SignedDataSerializer(serializers.Serializer):
    encoding_method = CiString(36)
    encoding_method_version = Integer(**OPTIONAL)
    public_key = String(512, **OPTIONAL)
    signed_values = SignedValueSerializer(many=True, allow_empty=False)
    url = String(512, **OPTIONAL)


class CdrSerializer(serializers.Serializer):
    country_code = CiString(2)
    party_id = CiString(3)
    id = CiString(39)
    start_date_time = DateTime()
    end_date_time = DateTime()
    session_id = CiString(36, **OPTIONAL)
    cdr_token = CdrTokenSerializer()
    auth_method = Enum(AUTH_METHOD)
    authorization_reference = CiString(36, **OPTIONAL)
    cdr_location = CdrLocationSerializer()
    meter_id = String(255, **OPTIONAL)
    currency = Pattern(3, CURRENCY)
    tariffs = TariffSerializer(many=True, **OPTIONAL)
    charging_periods = CdrChargingPeriodSerializer(many=True, allow_empty=False)
    signed_data = SignedDataSerializer(**OPTIONAL)
    total_cost = PriceSerializer()
    total_fixed_cost = PriceSerializer(**OPTIONAL)
    total_energy = Number()
    total_energy_cost = PriceSerializer(**OPTIONAL)
    total_time = Number()
    total_time_cost = PriceSerializer(**OPTIONAL)
    total_parking_time = Number(**OPTIONAL)
    total_parking_cost = PriceSerializer(**OPTIONAL)
    total_reservation_cost = PriceSerializer(**OPTIONAL)
    remark = String(255, **OPTIONAL)
    invoice_reference_id = CiString(39, **OPTIONAL)
    credit = Boolean(**OPTIONAL)
    credit_reference_id = CiString(39, **OPTIONAL)
    home_charging_compensation = Boolean(**OPTIONAL)
    last_updated = DateTime()

    def validate(self, attrs):
        if attrs.get("credit"):
            if not attrs.get("credit_reference_id"):
                raise serializers.ValidationError(
                    {"credit_reference_id": "Required when credit is true."}
                )
            if attrs["credit_reference_id"].upper() == attrs["id"].upper():
                raise serializers.ValidationError(
                    {"id": "A Credit CDR needs its own id, not the id of the CDR it credits."}
                )
        elif len(attrs["id"]) > NON_CREDIT_ID_LENGTH:
            raise serializers.ValidationError(
                {"id": f"At most {NON_CREDIT_ID_LENGTH} characters unless credit is true."}
            )
        return attrs


# Refused even by a lenient policy (hub.policy): ids, the token the CDR is routed by, the
# times the hub indexes, and the credit fields it checks against the id.
REFUSED = frozenset(
    (
        "country_code",
        "party_id",
        "id",
        "cdr_token.*",
        "start_date_time",
        "end_date_time",
        "last_updated",
        "credit",
        "credit_reference_id",
    )
)


def validate_cdr(data, validation: Validation = STRICT) -> dict:
    """Check a CDR; ValidationError names the field."""
    validation.check(CdrSerializer, data, module="cdrs", refused=REFUSED)
    return data
