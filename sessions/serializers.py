"""Validation of Session and ChargingPreferences (mod_sessions: Object description).

Every error names its field; the stored copy is the pushed JSON itself, not serializer output.
"""

from rest_framework import serializers

from hub.ocpi_types import (
    AUTH_METHOD,
    CURRENCY,
    PROFILE_TYPE,
    CdrTokenSerializer,
    PriceSerializer,
    SessionChargingPeriodSerializer,
)
from hub.serializers import (
    OPTIONAL,
    Boolean,
    CiString,
    DateTime,
    Enum,
    Number,
    Pattern,
    String,
)
from sessions.models import STATUSES


class SessionSerializer(serializers.Serializer):
    country_code = CiString(2)
    party_id = CiString(3)
    id = CiString(36)
    start_date_time = DateTime()
    end_date_time = DateTime(**OPTIONAL)
    kwh = Number()
    cdr_token = CdrTokenSerializer()
    auth_method = Enum(AUTH_METHOD)
    authorization_reference = CiString(36, **OPTIONAL)
    location_id = CiString(36)
    evse_uid = CiString(36)  # `#NA` for a reservation without an EVSE yet: a valid CiString
    connector_id = CiString(36)
    meter_id = String(255, **OPTIONAL)
    currency = Pattern(3, CURRENCY)
    charging_periods = SessionChargingPeriodSerializer(many=True, **OPTIONAL)
    total_cost = PriceSerializer(**OPTIONAL)
    status = Enum(STATUSES)
    last_updated = DateTime()


class ChargingPreferencesSerializer(serializers.Serializer):
    profile_type = Enum(PROFILE_TYPE)
    departure_time = DateTime(**OPTIONAL)
    energy_need = Number(**OPTIONAL)
    discharge_allowed = Boolean(**OPTIONAL)


# The CPO's answer to ChargingPreferences (relayed unchanged; for the API documentation).
CHARGING_PREFERENCES_RESPONSE = [
    "ACCEPTED",
    "DEPARTURE_REQUIRED",
    "ENERGY_NEED_REQUIRED",
    "NOT_POSSIBLE",
    "PROFILE_TYPE_NOT_SUPPORTED",
]
