"""Feed every example file of the OCPI 2.2.1 spec through the hub's own validators.

    python scripts/check_spec_examples.py <path to ocpi-2.2.1/examples>

Each file is classified by its name and checked with the validate functions the views use.
One line per file: `accepted`, `known-invalid` (listed in KNOWN_INVALID, with the reason), or
`REFUSED` / `UNCLASSIFIED` / `STALE` (a listed file that is now accepted). Exits 1 when any
file is in one of the last three. Needs no database.
"""

import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

import django  # noqa: E402

django.setup()

from rest_framework import serializers  # noqa: E402

from cdrs.serializers import validate_cdr  # noqa: E402
from hub.exceptions import flatten_errors  # noqa: E402
from hub.ocpi_types import DisplayTextSerializer, EnergyMixSerializer  # noqa: E402
from hub.serializers import (  # noqa: E402
    DateTime,
    Integer,
    validate,
)
from locations.serializers import (  # noqa: E402
    ConnectorSerializer,
    EvseSerializer,
    HoursSerializer,
    LocationSerializer,
    validate_object,
)
from parties.discovery import parse_endpoints  # noqa: E402
from parties.serializers import (  # noqa: E402
    VersionDetailsSerializer,
    VersionSerializer,
    validate_credentials,
)
from sessions.serializers import SessionSerializer  # noqa: E402
from tariffs.serializers import validate_tariff  # noqa: E402
from tokens.serializers import TokenSerializer, validate_token  # noqa: E402

# Spec examples the hub refuses on purpose: each contradicts the spec's own object definition.
KNOWN_INVALID = {
    "location_put_example_add_evse.json": "its connector lacks the required power_type, "
    "max_voltage, max_amperage and last_updated; physical_reference is a number, not a "
    "string(16) (and `floor` is not a field: floor_level)",
    "tariff_put_example.json": "lacks the required last_updated",
}


def check(serializer_class, data, **kwargs) -> None:
    serializer_class(data=data, **kwargs).is_valid(raise_exception=True)


def check_patch(candidates, data) -> None:
    """A PATCH body: last_updated required (every PATCH carries it), the fields it
    names valid.
    Locations: the object it patches is the first level that has all of its fields."""
    if not isinstance(data, dict) or "last_updated" not in data:
        raise serializers.ValidationError({"last_updated": "required in every PATCH"})
    for serializer_class in candidates:
        if set(data) <= set(serializer_class().fields):
            return check(serializer_class, data, partial=True)
    raise serializers.ValidationError("fields of no Location, EVSE or Connector")


def check_versions(data) -> None:
    check(VersionSerializer, data, many=True)


def check_version_details(data) -> None:
    check(VersionDetailsSerializer, data)
    # The registration discovery skips endpoints it cannot use: it must skip none here.
    if len(parse_endpoints(data["endpoints"])) != len(data["endpoints"]):
        raise serializers.ValidationError({"endpoints": "some are not usable by the hub"})


class EnvelopeSerializer(serializers.Serializer):
    status_code = Integer(min_value=1000, max_value=4999)
    status_message = serializers.CharField(required=False)
    timestamp = DateTime()
    data = serializers.JSONField(required=False)


def enveloped(check_data):
    def check_envelope(data) -> None:
        check(EnvelopeSerializer, data)
        check_data(data["data"])

    return check_envelope


def each(check_one):
    def check_list(data) -> None:
        if not isinstance(data, list):
            raise serializers.ValidationError("expected a list")
        for index, item in enumerate(data):
            try:
                check_one(item)
            except serializers.ValidationError as error:
                raise serializers.ValidationError({index: error.detail}) from None

    return check_list


def field(name: str, check_part):
    """Examples that show one field of an object: {"energy_mix": {...}}."""

    def check_field(data) -> None:
        try:
            check_part(data[name])
        except serializers.ValidationError as error:
            raise serializers.ValidationError({name: error.detail}) from None

    return check_field


def energy_mix(data) -> None:
    check(EnergyMixSerializer, data)


def hours(data) -> None:
    check(HoursSerializer, data)


def location_patch(data) -> None:
    check_patch((LocationSerializer, EvseSerializer, ConnectorSerializer), data)


def session_patch(data) -> None:
    check_patch((SessionSerializer,), data)


def token_patch(data) -> None:
    check_patch((TokenSerializer,), data)


# (file name prefix, what it is, check): the first matching prefix wins.
CLASSES = [
    ("location_patch_", "Location/EVSE/Connector PATCH", location_patch),
    ("location_put_example_add_evse", "EVSE PUT", lambda data: validate_object(2, data)),
    ("location_hours_", "Hours", hours),
    ("location_regularhours_", "Location.opening_times", field("opening_times", hours)),
    ("location_energymix_", "Location.energy_mix", field("energy_mix", energy_mix)),
    ("location_", "Location", lambda data: validate_object(1, data)),
    ("session_patch_", "Session PATCH", session_patch),
    ("session_", "Session", lambda data: validate(SessionSerializer, data)),
    ("cdr_", "CDR", validate_cdr),
    ("tariffrestriction_", "Tariff", validate_tariff),
    ("tariff_", "Tariff", validate_tariff),
    ("token_patch_", "Token PATCH", token_patch),
    ("token_", "Token", validate_token),
    ("credentials_", "Credentials", validate_credentials),
    ("version_details_", "VersionDetails", check_version_details),
    ("versions_", "Version list", check_versions),
    (
        "transport_and_format_get_token_list_",
        "Token list envelope",
        enveloped(each(validate_token)),
    ),
    ("transport_and_format_get_token_", "Token envelope", enveloped(validate_token)),
    (
        "transport_and_format_version_details_",
        "VersionDetails envelope",
        enveloped(check_version_details),
    ),
    ("transport_and_format_version_info_", "Version list envelope", enveloped(check_versions)),
    ("type_displaytext_", "DisplayText", lambda data: check(DisplayTextSerializer, data)),
]


def classify(name: str):
    for prefix, kind, check_data in CLASSES:
        if name.startswith(prefix):
            return kind, check_data
    return None, None


def refusal(check_data, path: Path) -> str | None:
    """None when accepted, else the message the hub would answer (fields named)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        return f"not JSON: {error}"
    try:
        check_data(data)
    except serializers.ValidationError as error:
        return "; ".join(flatten_errors(error.detail))
    except (KeyError, TypeError) as error:
        return f"malformed: {error!r}"
    return None


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not Path(argv[1]).is_dir():
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    outcomes = Counter()
    for path in sorted(Path(argv[1]).glob("*.json")):
        kind, check_data = classify(path.name)
        if kind is None:
            outcome, detail = "UNCLASSIFIED", "no validator for this file name"
        else:
            message = refusal(check_data, path)
            known = KNOWN_INVALID.get(path.name)
            if message is None and known:
                outcome, detail = "STALE", "accepted, yet listed in KNOWN_INVALID"
            elif message is None:
                outcome, detail = "accepted", ""
            elif known:
                outcome, detail = "known-invalid", f"{message} [{known}]"
            else:
                outcome, detail = "REFUSED", message
        outcomes[outcome] += 1
        print(f"{outcome:<13} {path.name} ({kind or '?'}){': ' + detail if detail else ''}")
    print(", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())))
    failed = outcomes["REFUSED"] + outcomes["UNCLASSIFIED"] + outcomes["STALE"]
    return 1 if failed or not outcomes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
