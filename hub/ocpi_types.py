"""The OCPI classes and enums used by more than one module, defined once.

Classes of types.asciidoc (DisplayText, Price), and classes a module defines but others embed:
Image, BusinessDetails, GeoLocation and EnergyMix (mod_locations, also in Credentials and
Tariffs), CdrToken, CdrDimension and ChargingPeriod (mod_cdrs, also in Sessions).
A module's own objects (Location, Tariff, Token...) stay in that module's serializers.
"""

from rest_framework import serializers

from hub.serializers import (
    OPTIONAL,
    URL,
    Boolean,
    CiString,
    DateTime,
    Enum,
    Integer,
    Number,
    Pattern,
    String,
)

TOKEN_TYPE = ["AD_HOC_USER", "APP_USER", "OTHER", "RFID"]
PROFILE_TYPE = ["CHEAP", "FAST", "GREEN", "REGULAR"]  # mod_sessions ProfileType
AUTH_METHOD = ["AUTH_REQUEST", "COMMAND", "WHITELIST"]
IMAGE_CATEGORY = ["CHARGER", "ENTRANCE", "LOCATION", "NETWORK", "OPERATOR", "OTHER", "OWNER"]
# Spec: mixed case (IEC_60309_2_single_16); enums are case-sensitive.
CONNECTOR_TYPE = [
    "CHADEMO",
    "CHAOJI",
    *(f"DOMESTIC_{letter}" for letter in "ABCDEFGHIJKLMNO"),
    "GBT_AC",
    "GBT_DC",
    "IEC_60309_2_single_16",
    "IEC_60309_2_three_16",
    "IEC_60309_2_three_32",
    "IEC_60309_2_three_64",
    "IEC_62196_T1",
    "IEC_62196_T1_COMBO",
    "IEC_62196_T2",
    "IEC_62196_T2_COMBO",
    "IEC_62196_T3A",
    "IEC_62196_T3C",
    "NEMA_5_20",
    "NEMA_6_30",
    "NEMA_6_50",
    "NEMA_10_30",
    "NEMA_10_50",
    "NEMA_14_30",
    "NEMA_14_50",
    "PANTOGRAPH_BOTTOM_UP",
    "PANTOGRAPH_TOP_DOWN",
    "TESLA_R",
    "TESLA_S",
]
CONNECTOR_FORMAT = ["SOCKET", "CABLE"]
POWER_TYPE = ["AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"]
ENERGY_SOURCE_CATEGORY = [
    "NUCLEAR",
    "GENERAL_FOSSIL",
    "COAL",
    "GAS",
    "GENERAL_GREEN",
    "SOLAR",
    "WIND",
    "WATER",
]
ENVIRONMENTAL_IMPACT_CATEGORY = ["NUCLEAR_WASTE", "CARBON_DIOXIDE"]
# CdrDimensionType: the "Session Only" ones SHALL NOT appear in CDRs.
CDR_DIMENSION_TYPE = [
    "ENERGY",
    "MAX_CURRENT",
    "MIN_CURRENT",
    "MAX_POWER",
    "MIN_POWER",
    "PARKING_TIME",
    "RESERVATION_TIME",
    "TIME",
]
SESSION_ONLY_DIMENSION_TYPE = [
    "CURRENT",
    "ENERGY_EXPORT",
    "ENERGY_IMPORT",
    "POWER",
    "STATE_OF_CHARGE",
]
SESSION_DIMENSION_TYPE = CDR_DIMENSION_TYPE + SESSION_ONLY_DIMENSION_TYPE
CURRENCY = r"[A-Z]{3}"  # ISO 4217
HOUR_MINUTE = r"([0-1][0-9]|2[0-3]):[0-5][0-9]"
LATITUDE = r"-?[0-9]{1,2}\.[0-9]{5,7}"
LONGITUDE = r"-?[0-9]{1,3}\.[0-9]{5,7}"


class DisplayTextSerializer(serializers.Serializer):
    language = String(2, allow_blank=False)
    text = String(512)


class PriceSerializer(serializers.Serializer):
    excl_vat = Number()
    incl_vat = Number(**OPTIONAL)


class ImageSerializer(serializers.Serializer):
    url = URL()
    thumbnail = URL(**OPTIONAL)
    category = Enum(IMAGE_CATEGORY)
    type = CiString(4)
    width = Integer(min_value=0, max_value=99999, **OPTIONAL)
    height = Integer(min_value=0, max_value=99999, **OPTIONAL)


class BusinessDetailsSerializer(serializers.Serializer):
    name = String(100, allow_blank=False)
    website = URL(**OPTIONAL)
    logo = ImageSerializer(**OPTIONAL)


class GeoLocationSerializer(serializers.Serializer):
    latitude = Pattern(10, LATITUDE)
    longitude = Pattern(11, LONGITUDE)


class EnergySourceSerializer(serializers.Serializer):
    source = Enum(ENERGY_SOURCE_CATEGORY)
    percentage = Number(min_value=0, max_value=100)


class EnvironmentalImpactSerializer(serializers.Serializer):
    category = Enum(ENVIRONMENTAL_IMPACT_CATEGORY)
    amount = Number(min_value=0)


class EnergyMixSerializer(serializers.Serializer):
    is_green_energy = Boolean()
    energy_sources = EnergySourceSerializer(many=True, **OPTIONAL)
    environ_impact = EnvironmentalImpactSerializer(many=True, **OPTIONAL)
    supplier_name = String(64, **OPTIONAL)
    energy_product_name = String(64, **OPTIONAL)


class CdrTokenSerializer(serializers.Serializer):
    country_code = CiString(2)
    party_id = CiString(3)
    uid = CiString(36)
    type = Enum(TOKEN_TYPE)
    contract_id = CiString(36)


class SessionDimensionSerializer(serializers.Serializer):
    """CdrDimension as a Session carries it: the Session Only types are allowed."""

    type = Enum(SESSION_DIMENSION_TYPE)
    volume = Number()


class SessionChargingPeriodSerializer(serializers.Serializer):
    start_date_time = DateTime()
    dimensions = SessionDimensionSerializer(many=True, allow_empty=False)
    tariff_id = CiString(36, **OPTIONAL)
