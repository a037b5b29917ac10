import base64
import logging
import time

import pytest

from hub.client import call, join_url
from hub.routing import PartyRef
from parties.models import Platform
from tests.servers import ocpi_ok


@pytest.fixture
def platform():
    return Platform(name="Peer", outgoing_token="secret-token-for-peer")


def test_request_carries_token_ids_and_routing_headers(party_server, platform):
    server = party_server()
    reply = call(
        platform,
        "PUT",
        f"{server.url}/locations/NL/CPO/1",
        json_body={"id": "1"},
        correlation_id="corr-1",
        to=PartyRef("DE", "MSP"),
        sender=PartyRef("NL", "HUB"),
    )
    assert reply.ok
    headers = server.received[0].headers
    assert (
        headers["Authorization"] == "Token " + base64.b64encode(b"secret-token-for-peer").decode()
    )
    assert headers["X-Correlation-ID"] == "corr-1"
    assert headers["X-Request-ID"] not in ("corr-1", "")
    assert headers["Content-Type"] == "application/json"
    assert (headers["OCPI-to-country-code"], headers["OCPI-to-party-id"]) == ("DE", "MSP")
    assert (headers["OCPI-from-country-code"], headers["OCPI-from-party-id"]) == ("NL", "HUB")


def test_each_request_gets_a_new_request_id(party_server, platform):
    server = party_server()
    for _ in range(2):
        call(platform, "GET", server.url, correlation_id="same")
    first, second = (r.headers["X-Request-ID"] for r in server.received)
    assert first != second


def test_raw_token_switch_for_older_peers(party_server, platform):
    server = party_server()
    platform.send_token_raw = True
    call(platform, "GET", server.url)
    assert server.received[0].headers["Authorization"] == "Token secret-token-for-peer"


def test_configuration_requests_carry_no_routing_headers(party_server, platform):
    server = party_server()
    call(platform, "GET", server.url)
    assert not any(name.lower().startswith("ocpi-") for name in server.received[0].headers)


def test_ocpi_error_is_read_and_not_retryable(party_server, platform):
    server = party_server(lambda r: (200, ocpi_ok(status_code=2001), {}))
    reply = call(platform, "GET", server.url)
    assert (reply.ok, reply.status_code, reply.retryable) == (False, 2001, False)


def test_server_errors_are_retryable(party_server, platform):
    server = party_server(lambda r: (503, b"<html>busy</html>", {}))
    reply = call(platform, "GET", server.url)
    assert reply.http_status == 503
    assert reply.retryable


def test_timeout_is_reported_not_raised(party_server, platform):
    server = party_server(lambda r: (time.sleep(1.0), (200, ocpi_ok(), {}))[1])
    started = time.monotonic()
    reply = call(platform, "GET", server.url, timeout=0.2)
    assert reply.timed_out and reply.retryable
    assert time.monotonic() - started < 0.9


def test_connection_refused_is_reported_not_raised(party_server, platform):
    server = party_server()
    server.stop()
    reply = call(platform, "GET", server.url)
    assert reply.connection_failed and not reply.timed_out


def test_token_never_reaches_the_log(party_server, platform, caplog):
    server = party_server()
    with caplog.at_level(logging.DEBUG):
        call(platform, "GET", server.url)
    assert "secret-token-for-peer" not in caplog.text
    assert base64.b64encode(b"secret-token-for-peer").decode() not in caplog.text


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://p/ocpi/locations", "http://p/ocpi/locations/NL/CPO/A%2FB"),
        ("http://p/ocpi/locations/", "http://p/ocpi/locations/NL/CPO/A%2FB"),
    ],
)
def test_join_url_uses_exactly_one_slash(base, expected):
    assert join_url(base, "NL", "CPO", "A/B") == expected
