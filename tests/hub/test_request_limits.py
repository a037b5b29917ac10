"""Bodies the hub refuses before storing anything: too large, too deep, unstorable values."""

import json

import pytest

from commands.models import Command
from locations.models import Location
from parties.actions import invite_platform
from parties.models import Platform
from tests.conftest import ocpi_client
from tests.locations.conftest import location

URL = "/ocpi/2.2.1/receiver/locations/NL/CPO/LOC1"


def put_raw(client, raw: bytes):
    return client.put(URL, data=raw, content_type="application/json")


def assert_refused(response, http_status: int, status_code: int, *words: str):
    assert response.status_code == http_status
    body = response.json()
    assert body["status_code"] == status_code
    assert "timestamp" in body
    for word in words:
        assert word in body["status_message"]
    assert not Location.objects.exists()


def test_body_over_the_limit_is_413_with_an_envelope(cpo, settings):
    settings.OCPI_MAX_BODY_BYTES = 4096
    big = location(name="x" * 5000)
    assert_refused(put_raw(cpo.client, json.dumps(big).encode()), 413, 2000, "4096 bytes")


def test_body_over_the_default_limit_is_413(cpo, settings):
    raw = json.dumps(location(), ensure_ascii=False).encode()
    padding = b" " * (settings.OCPI_MAX_BODY_BYTES + 1 - len(raw))
    assert_refused(put_raw(cpo.client, raw + padding), 413, 2000)


def test_credentials_body_over_the_limit_is_413(db, settings):
    settings.OCPI_MAX_BODY_BYTES = 4096
    platform, token_a = invite_platform("CPO platform", [("NL", "CPO", "CPO")])
    response = ocpi_client(token_a).post(
        "/ocpi/2.2.1/credentials",
        data=b'{"token": "' + b"x" * 5000 + b'"}',
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json()["status_code"] == 2000
    assert Platform.objects.get(pk=platform.pk).registration_note == ""


def test_command_result_body_over_the_limit_is_413(cpo, settings):
    settings.OCPI_MAX_BODY_BYTES = 4096
    response = cpo.client.post(
        "/ocpi/2.2.1/sender/commands/00000000-0000-0000-0000-000000000000",
        data=b'{"result": "' + b"A" * 5000 + b'"}',
        content_type="application/json",
    )
    assert response.status_code == 413
    assert not Command.objects.exists()


def test_deep_nesting_is_refused_not_a_500(cpo):
    response = put_raw(cpo.client, b"[" * 200_000 + b"]" * 200_000)
    assert_refused(response, 200, 2001, "nested deeper")


def test_nesting_inside_a_field_is_refused(cpo):
    deep = location()
    deep["evses"][0]["connectors"][0]["extra"] = json.loads("[" * 40 + "]" * 40)
    assert_refused(put_raw(cpo.client, json.dumps(deep).encode()), 200, 2001, "nested deeper")


@pytest.mark.parametrize(
    ("raw_value", "field", "reason"),
    [
        (r'"Station\u0000plein"', "address", "NUL"),
        (r'"Station\ud800plein"', "address", "surrogate"),
        ("1e400", "address", "out of range"),
        ("-1e400", "address", "out of range"),
        ("NaN", "address", "not a JSON number"),
        ("Infinity", "address", "not a JSON number"),
        ("9" * 30, "address", "too large"),
    ],
)
def test_unstorable_values_are_2001_naming_the_field(cpo, raw_value, field, reason):
    raw = json.dumps(location(address="PLACEHOLDER")).replace('"PLACEHOLDER"', raw_value)
    response = put_raw(cpo.client, raw.encode())
    assert_refused(response, 200, 2001, field, reason)


def test_unstorable_value_deep_in_a_list_names_its_path(cpo):
    raw = json.dumps(location()).replace('"EVSE1"', r'"EV\u0000SE1"')
    response = put_raw(cpo.client, raw.encode())
    assert_refused(response, 200, 2001, "evses[0].uid")


def test_surrogate_pairs_are_accepted(cpo):
    raw = json.dumps(location(name="Laadplein \U0001f50c"), ensure_ascii=True).encode()
    assert b"\\ud83d\\udd0c" in raw  # an escaped pair, not a lone surrogate
    response = put_raw(cpo.client, raw)
    assert response.status_code == 201
    assert Location.objects.get().document["name"] == "Laadplein \U0001f50c"


def test_escaped_backslash_before_u0000_is_plain_text(cpo):
    raw = json.dumps(location(name="C:\\u0000")).encode()  # the text backslash-u0000
    response = put_raw(cpo.client, raw)
    assert response.status_code == 201


@pytest.mark.parametrize(
    "path",
    [
        "/ocpi/2.2.1/sender/locations/LOC%001",
        "/ocpi/2.2.1/sender/locations?date_from=2024%00",
        "/ocpi/2.2.1/receiver/locations/NL/CPO/LOC%00",
    ],
)
def test_nul_in_the_url_is_2001(emsp, path):
    response = emsp.client.get(path)
    assert response.status_code == 400
    assert response.json()["status_code"] == 2001
    assert "NUL" in response.json()["status_message"]
