"""The compiled checks accept exactly what the serializers accept, and return the same data.

Each spec example is mutated field by field (removed, null, wrong type, blank, too long,
control characters...) and every variant is judged by both; a difference is a bug in the
compiled checks (they would pass something the API schema says is invalid, or slow down
valid data by sending it through the serializer).
"""

import copy
import json
from pathlib import Path

import pytest
from rest_framework import serializers

from cdrs.serializers import CdrSerializer
from hub.serializers import bound, compiled, validate
from locations.serializers import ConnectorSerializer, EvseSerializer, LocationSerializer
from parties.serializers import CredentialsSerializer
from sessions.serializers import SessionSerializer
from tariffs.serializers import TariffSerializer
from tokens.serializers import TokenSerializer

TESTS = Path(__file__).resolve().parent.parent
REPLACEMENTS = [
    None,
    "",
    "x" * 300,
    "a\nb",
    "nul\x00",
    "é",
    0,
    -1,
    1.5,
    True,
    [],
    {},
    "2024-01-01T10:00:00Z",
    "AVAILABLE",
]


def example(folder: str, name: str) -> dict:
    return json.loads((TESTS / folder / "fixtures" / name).read_text())


def variants(document):
    """The document itself and one change at a time at every place in it."""
    yield document
    for path in paths(document):
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        if isinstance(parent, dict):
            removed = copy.deepcopy(document)
            target = removed
            for key in path[:-1]:
                target = target[key]
            del target[last]
            yield removed
        for replacement in REPLACEMENTS:
            changed = copy.deepcopy(document)
            target = changed
            for key in path[:-1]:
                target = target[key]
            target[last] = replacement
            yield changed


def paths(value, prefix=()):
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        yield (*prefix, key)
        if isinstance(child, dict | list):
            yield from paths(child, (*prefix, key))


def judged_by_serializer(serializer_class, data):
    try:
        return "valid", bound(serializer_class).run_validation(data)
    except serializers.ValidationError:
        return "invalid", None


def judged_compiled(serializer_class, data):
    try:
        return "valid", compiled(serializer_class)(data)
    except Exception:  # any refusal
        return "invalid", None


LOCATION = example("locations", "location_example.json")
GARAGE = "location_example_parking_garage_opening_hours.json"
CASES = [
    (LocationSerializer, LOCATION),
    (LocationSerializer, example("locations", "location_example_uc4_limited_visibility.json")),
    (LocationSerializer, example("locations", GARAGE)),
    (EvseSerializer, LOCATION["evses"][0]),
    (ConnectorSerializer, LOCATION["evses"][0]["connectors"][0]),
    (TariffSerializer, example("tariffs", "tariff_4_complex.json")),
    (SessionSerializer, example("sessions", "session_example_2_short_finished.json")),
    (CdrSerializer, example("cdrs", "cdr_example.json")),
    (TokenSerializer, example("tokens", "token_example_2_full_rfid.json")),
    (
        CredentialsSerializer,
        {
            "token": "abc",
            "url": "https://cpo.example/versions",
            "roles": [
                {
                    "role": "CPO",
                    "party_id": "CPO",
                    "country_code": "NL",
                    "business_details": {"name": "CPO"},
                }
            ],
        },
    ),
]


@pytest.mark.parametrize(
    ("serializer_class", "document"), CASES, ids=[cls.__name__ for cls, _ in CASES]
)
def test_compiled_checks_judge_every_variant_as_the_serializer_does(serializer_class, document):
    differences = []
    for data in variants(document):
        expected = judged_by_serializer(serializer_class, data)
        if judged_compiled(serializer_class, data) != expected:
            differences.append(data)
    assert differences == []
    assert judged_compiled(serializer_class, document)[0] == "valid"


def test_a_refused_object_is_answered_with_the_serializers_own_errors():
    data = copy.deepcopy(LOCATION)
    data["evses"][0]["connectors"][0]["standard"] = "NOPE"
    with pytest.raises(serializers.ValidationError) as raised:
        validate(LocationSerializer, data)
    serializer = LocationSerializer(data=data)
    assert not serializer.is_valid()
    assert raised.value.detail == serializer.errors
