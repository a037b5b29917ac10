"""Validation of Tariff and its classes (mod_tariffs: Object description, Data types).

Every error names its field; the stored copy is the pushed JSON itself, not serializer output.
"""

from rest_framework import serializers

from hub.ocpi_types import (
    HOUR_MINUTE,
    DisplayTextSerializer,
    EnergyMixSerializer,
    PriceSerializer,
)
from hub.policy import STRICT, Validation
from hub.serializers import (
    OPTIONAL,
    URL,
    CiString,
    DateTime,
    Enum,
    Integer,
    Number,
    Pattern,
    String,
    enum_list,
)

TARIFF_TYPE = ["AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN", "REGULAR"]
TARIFF_DIMENSION_TYPE = ["ENERGY", "FLAT", "PARKING_TIME", "TIME"]
DAY_OF_WEEK = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
RESERVATION_RESTRICTION_TYPE = ["RESERVATION", "RESERVATION_EXPIRES"]
DATE = r"([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
# Spec (TariffRestrictions.reservation): a reservation only has FLAT and TIME dimensions.
RESERVATION_DIMENSIONS = ("FLAT", "TIME")


class PriceComponentSerializer(serializers.Serializer):
    type = Enum(TARIFF_DIMENSION_TYPE)
    price = Number()
    vat = Number(**OPTIONAL)
    step_size = Integer(min_value=0)


class TariffRestrictionsSerializer(serializers.Serializer):
    start_time = Pattern(5, HOUR_MINUTE, **OPTIONAL)
    end_time = Pattern(5, HOUR_MINUTE, **OPTIONAL)
    start_date = Pattern(10, DATE, **OPTIONAL)
    end_date = Pattern(10, DATE, **OPTIONAL)
    min_kwh = Number(**OPTIONAL)
    max_kwh = Number(**OPTIONAL)
    min_current = Number(**OPTIONAL)
    max_current = Number(**OPTIONAL)
    min_power = Number(**OPTIONAL)
    max_power = Number(**OPTIONAL)
    min_duration = Integer(**OPTIONAL)
    max_duration = Integer(**OPTIONAL)
    day_of_week = enum_list(DAY_OF_WEEK)
    reservation = Enum(RESERVATION_RESTRICTION_TYPE, **OPTIONAL)


class TariffElementSerializer(serializers.Serializer):
    price_components = PriceComponentSerializer(many=True, allow_empty=False)
    restrictions = TariffRestrictionsSerializer(**OPTIONAL)

    def validate(self, attrs):
        if (attrs.get("restrictions") or {}).get("reservation"):
            for index, component in enumerate(attrs["price_components"]):
                if component["type"] not in RESERVATION_DIMENSIONS:
                    raise serializers.ValidationError(
                        {
                            "price_components": {
                                index: {"type": "A reservation element only has FLAT and TIME."}
                            }
                        }
                    )
        return attrs


class TariffSerializer(serializers.Serializer):
    country_code = CiString(2)
    party_id = CiString(3)
    id = CiString(36)
    currency = String(3, allow_blank=False)
    type = Enum(TARIFF_TYPE, **OPTIONAL)
    tariff_alt_text = DisplayTextSerializer(many=True, **OPTIONAL)
    tariff_alt_url = URL(**OPTIONAL)
    min_price = PriceSerializer(**OPTIONAL)
    max_price = PriceSerializer(**OPTIONAL)
    elements = TariffElementSerializer(many=True, allow_empty=False)
    start_date_time = DateTime(**OPTIONAL)
    end_date_time = DateTime(**OPTIONAL)
    energy_mix = EnergyMixSerializer(**OPTIONAL)
    last_updated = DateTime()


# Refused even by a lenient policy (hub.policy): ids, the stored currency and last_updated.
REFUSED = frozenset(("country_code", "party_id", "id", "currency", "last_updated"))


def validate_tariff(data, validation: Validation = STRICT) -> dict:
    """Check a Tariff; ValidationError names the field."""
    validation.check(TariffSerializer, data, module="tariffs", refused=REFUSED)
    return data
