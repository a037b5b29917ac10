"""Property-based fuzzing of every OCPI interface of the hub.

Each case takes a valid, spec-shaped request and mutates it: fields dropped, retyped,
oversized, duplicated, or given values the hub cannot store (NUL, lone surrogates, 1e400, deep
nesting); path ids and query parameters are fuzzed too. Whatever comes in, the hub answers
with the OCPI envelope, never HTTP 500, and stores nothing for a request it refuses. Parties
the hub forwards to are one server on 127.0.0.1 accepting everything: the party URLs in the
requests (http://cpo.test, http://msp.test, http://party.test) are sent as its URL.
"""

import json
from urllib.parse import quote

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from cdrs.models import Cdr
from commands.actions import open_command
from commands.models import Command
from hub.models import Message
from locations.models import Location
from parties.actions import invite_platform
from parties.models import Party, Platform, PlatformToken
from sessions.models import Session
from tariffs.models import Tariff
from tests.cdrs.conftest import cdr
from tests.commands.conftest import start_session, store_session
from tests.conftest import create_platform, ocpi_client, point_at
from tests.fuzz.conftest import CASES
from tests.locations.conftest import EVSE, location
from tests.servers import answering, ocpi_ok
from tests.sessions.conftest import session
from tests.tariffs.conftest import tariff
from tests.tokens.conftest import token
from tokens.models import Token

pytestmark = pytest.mark.fuzz
V = "/ocpi/2.2.1"
STORES = (Location, Session, Cdr, Tariff, Token, Message, Command, Platform, Party, PlatformToken)
PARTY_URLS = (b"http://cpo.test", b"http://msp.test", b"http://party.test")

# Literals the hub must refuse cleanly wherever they appear.
NASTY = [
    r'"\u0000"', r'"a\ud800b"', r'"\udfff"', "1e400", "-1e400", "NaN", "Infinity", "9" * 40,
    "[" * 64 + "]" * 64, '"' + "x" * 5000 + '"', '"2024-13-45T99:99:99Z"',
    '"\uff12\uff10\uff12\uff14-01-01T00:00:00Z"', '"9999-12-31T23:59:59Z"', '"http://["',
    '"http://127.0.0.1:99999/x#y"', "-1", "0", "true", "null", "{}", "[]", '""',
]  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
PLACEHOLDER = "\x01fuzz\x01"


def paths(value, prefix=()):
    """Every path to a value inside `value`, as tuples of keys and indexes."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replace(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replace(value[head], rest, new)}
    return [replace(item, rest, new) if i == head else item for i, item in enumerate(value)]


def drop(value, path):
    head, rest = path[0], path[1:]
    if rest:
        return replace(value, path[:1], drop(value[head], rest))
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key != head}
    return [item for i, item in enumerate(value) if i != head]


@st.composite
def mutated(draw, base) -> bytes:
    """`base` (a valid object) with one to three mutations, as the raw request body."""
    data, nasty = base, None
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(data)))
        kind = draw(st.sampled_from(["drop", "retype", "nasty", "oversize", "duplicate"]))
        if kind == "drop" and path:
            data = drop(data, path)
        elif kind == "retype":
            data = replace(data, path, draw(JSON))
        elif kind == "nasty" and nasty is None:
            nasty = draw(st.sampled_from(NASTY))
            data = replace(data, path, PLACEHOLDER)
        elif kind == "oversize":
            data = replace(data, path, "Z" * draw(st.sampled_from([256, 4096, 100_000])))
    raw = json.dumps(data)
    if nasty is not None:
        raw = raw.replace(json.dumps(PLACEHOLDER), nasty)
    if draw(st.booleans()) and raw.startswith("{") and isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data)))  # a duplicate key, first of the two
        raw = "{" + json.dumps(key) + ":" + json.dumps(draw(JSON)) + "," + raw[1:]
    return raw.encode()


SEGMENT = st.one_of(
    st.sampled_from(["LOC1", "S1", "T1", "CDR1", "04A1B2C3", "x" * 80, "%00", "..", "\u0663"]),
    st.text(min_size=1, max_size=40),
)
QUERY = st.dictionaries(
    st.sampled_from(["offset", "limit", "after", "date_from", "date_to", "type", "response_url"]),
    st.one_of(st.sampled_from(["-1", "9" * 30, "\u0663", "2024-01-01T00:00:00Z", ""]), st.text()),
    max_size=3,
)


@pytest.fixture
def world(db, party_server):
    """A CPO (NL*CPO) and an eMSP (DE*MSP) that list each other's endpoints, a session of
    theirs, an open command, and an invited platform holding a Token A; every party is
    `parties`, a server answering each request 1000 with a command result ACCEPTED."""
    cpo, cpo_token = create_platform(
        "CPO", [("NL", "CPO", "CPO")], {
            ("commands", "RECEIVER"): "http://cpo.test/commands",
            ("chargingprofiles", "RECEIVER"): "http://cpo.test/chargingprofiles",
            ("tokens", "RECEIVER"): "http://cpo.test/tokens",
            ("locations", "RECEIVER"): "http://cpo.test/locations",
        },
    )  # fmt: skip
    emsp, emsp_token = create_platform(
        "eMSP", [("DE", "MSP", "EMSP")], {
            (module, "RECEIVER"): f"http://msp.test/{module}"
            for module in ("locations", "sessions", "cdrs", "tariffs")
        } | {("tokens", "SENDER"): "http://msp.test/tokens",
             ("chargingprofiles", "SENDER"): "http://msp.test/chargingprofiles"},
    )  # fmt: skip
    parties = party_server(answering((200, ocpi_ok({"result": "ACCEPTED", "timeout": 30}), {})))
    point_at(parties, cpo)
    point_at(parties, emsp)
    store_session(("DE", "MSP"))
    command = open_command(
        requester=emsp.parties.get(), cpo=cpo.parties.get(), module="commands",
        command="START_SESSION", request={}, response_url=f"{parties.url}/result",
        correlation_id="fuzz",
    )  # fmt: skip
    _, token_a = invite_platform("Invited", [("BE", "NEW", "CPO")])
    return {
        "CPO": ocpi_client(cpo_token),
        "EMSP": ocpi_client(emsp_token),
        "A": ocpi_client(token_a),
        "command": command.pk,
        "parties": parties,
    }


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in STORES}


def send(client, method: str, path: str, raw: bytes | None = None, query=None):
    """One request in a savepoint rolled back afterwards, so cases do not see each other."""
    CASES["tried"] += 1
    with transaction.atomic():
        before = counts()
        if query:
            path += "?" + "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items())
        response = client.generic(method, path, raw or b"", content_type="application/json")
        after = counts()
        transaction.set_rollback(True)
    assert response.status_code != 500, response.content[:500]
    body = json.loads(response.content)
    assert isinstance(body, dict) and isinstance(body.get("status_code"), int), body
    assert "timestamp" in body
    refused = response.status_code >= 400 or not 1000 <= body["status_code"] < 2000
    if refused:
        assert after == before, (body, before, after)
    return response


def case(client_role, method, path, base=None, query=False):
    """A fuzz test of one interface: `path` may contain {id}, filled with a fuzzed segment."""

    @given(data=st.data())
    def test(world, data):
        segment = quote(data.draw(SEGMENT), safe="")
        raw = data.draw(mutated(base() if callable(base) else base)) if base is not None else None
        if raw:  # the parties' URLs in the body: the server's
            for party_url in PARTY_URLS:
                raw = raw.replace(party_url, world["parties"].url.encode())
        params = data.draw(QUERY) if query else None
        path_ = path.format(id=segment, command=world["command"])
        send(world[client_role], method, path_, raw, params)

    return test


test_locations_put = case("CPO", "PUT", f"{V}/receiver/locations/NL/CPO/{{id}}", location)
test_evse_patch = case("CPO", "PATCH", f"{V}/receiver/locations/NL/CPO/LOC1/{{id}}", EVSE)
test_locations_get = case("EMSP", "GET", f"{V}/sender/locations", query=True)
test_location_get = case("EMSP", "GET", f"{V}/sender/locations/{{id}}", query=True)
test_sessions_put = case("CPO", "PUT", f"{V}/receiver/sessions/NL/CPO/{{id}}", session)
test_sessions_patch = case("CPO", "PATCH", f"{V}/receiver/sessions/NL/CPO/{{id}}", session)
test_sessions_get = case("EMSP", "GET", f"{V}/sender/sessions", query=True)
test_cdrs_post = case("CPO", "POST", f"{V}/receiver/cdrs", cdr)
test_cdrs_get = case("EMSP", "GET", f"{V}/sender/cdrs", query=True)
test_tariffs_put = case("CPO", "PUT", f"{V}/receiver/tariffs/NL/CPO/{{id}}", tariff)
test_tariffs_delete = case("CPO", "DELETE", f"{V}/receiver/tariffs/NL/CPO/{{id}}")
test_tariffs_get = case("EMSP", "GET", f"{V}/sender/tariffs", query=True)
test_tokens_put = case("EMSP", "PUT", f"{V}/receiver/tokens/DE/MSP/{{id}}", token)
test_tokens_patch = case("EMSP", "PATCH", f"{V}/receiver/tokens/DE/MSP/{{id}}", token)
test_tokens_get = case("CPO", "GET", f"{V}/sender/tokens", query=True)
test_authorize = case(
    "CPO", "POST", f"{V}/sender/tokens/{{id}}/authorize", {"location_id": "LOC1"}, query=True
)
test_start_session = case("EMSP", "POST", f"{V}/receiver/commands/START_SESSION", start_session)
test_stop_session = case(
    "EMSP", "POST", f"{V}/receiver/commands/STOP_SESSION",
    {"response_url": "http://msp.test/r", "session_id": "S1"},
)  # fmt: skip
test_reserve_now = case(
    "EMSP", "POST", f"{V}/receiver/commands/{{id}}",
    lambda: {**start_session(), "expiry_date": "2099-01-01T00:00:00Z", "reservation_id": "R1"},
)  # fmt: skip
test_command_result = case(
    "CPO", "POST", f"{V}/sender/commands/{{command}}", {"result": "ACCEPTED"}
)
test_command_result_url = case("CPO", "POST", f"{V}/sender/commands/{{id}}", {"result": "ACCEPTED"})
test_charging_profile_put = case(
    "EMSP", "PUT", f"{V}/receiver/chargingprofiles/{{id}}",
    {"response_url": "http://msp.test/p",
     "charging_profile": {"charging_rate_unit": "W", "charging_profile_period": []}},
)  # fmt: skip
test_charging_profile_get = case("EMSP", "GET", f"{V}/receiver/chargingprofiles/{{id}}", query=True)
test_hubclientinfo_get = case("CPO", "GET", f"{V}/hubclientinfo", query=True)
CREDENTIALS = {
    "token": "token-b",
    "url": "http://party.test/versions",
    "roles": [{"role": "CPO", "party_id": "NEW", "country_code": "BE",
               "business_details": {"name": "New"}}],
}  # fmt: skip
test_credentials_post = case("A", "POST", f"{V}/credentials", CREDENTIALS)
test_credentials_put = case("CPO", "PUT", f"{V}/credentials", CREDENTIALS)
