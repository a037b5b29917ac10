"""A GET with OCPI-to naming a party is a direct request: it crosses to that party's server on
127.0.0.1 and its answer comes back as it came. The hub answers in its own name (4xxx) only
when the party cannot answer."""

import time

import pytest
from django.conf import settings
from django.test import override_settings

from cdrs.models import Cdr
from hub import delivery
from parties.models import ConnectionStatus, Deviation, Platform
from tests.cdrs.conftest import cdr
from tests.conftest import client_for, create_platform
from tests.locations.conftest import location, put
from tests.servers import ocpi_ok

pytestmark = pytest.mark.integration

HUB = "/ocpi/2.2.1"
CPO_BASE = "/ocpi/cpo/2.2.1"
TO_CPO = {"HTTP_OCPI_TO_COUNTRY_CODE": "NL", "HTTP_OCPI_TO_PARTY_ID": "CPO"}
# An answer the hub must not re-render: its own timestamp, message and key order.
PAGE = (
    b'{"status_message":"Page 1 of 6","timestamp":"2015-06-29T20:39:09",'
    b'"data":[{"id":"LOC1"}],"status_code":1000}'
)


def cpo_at(server, status=ConnectionStatus.CONNECTED, modules=("locations", "tariffs", "cdrs")):
    """The CPO NL*CPO whose SENDER interfaces (of `modules`) are `server`."""
    platform, _ = create_platform(
        "CPO",
        [("NL", "CPO", "CPO")],
        endpoints={(m, "SENDER"): f"{server.url}{CPO_BASE}/{m}/" for m in modules},
    )
    Platform.objects.filter(pk=platform.pk).update(status=status)
    return platform


def emsp():
    return client_for("DE", "MSP", "EMSP")


def first_page(received):
    link = '<http://127.0.0.1:1/ocpi/cpo/2.2.1/locations?offset=1&limit=1>; rel="next"'
    return 200, PAGE, {"X-Total-Count": "6", "X-Limit": "1", "Link": link}


def headers_of(received) -> dict:
    return {name.lower(): value for name, value in received.headers.items()}


@pytest.mark.parametrize("module", ["locations", "tariffs", "cdrs"])
def test_a_direct_list_get_relays_the_cpos_page_and_rewrites_its_link(db, party_server, module):
    server = party_server(respond=first_page)
    cpo_at(server)
    response = emsp().get(f"{HUB}/sender/{module}?limit=1&date_from=2024-01-01T00:00:00Z", **TO_CPO)

    (received,) = server.received
    assert received.method == "GET"
    assert received.path == f"{CPO_BASE}/{module}?limit=1&date_from=2024-01-01T00:00:00Z"
    sent = headers_of(received)
    assert (sent["ocpi-to-country-code"], sent["ocpi-to-party-id"]) == ("NL", "CPO")
    assert (sent["ocpi-from-country-code"], sent["ocpi-from-party-id"]) == ("DE", "MSP")
    assert response.status_code == 200
    assert response.content == PAGE
    assert (response["X-Total-Count"], response["X-Limit"]) == ("6", "1")
    assert response["Link"] == (
        f'<{settings.HUB_BASE_URL}{HUB}/sender/{module}?offset=1&limit=1>; rel="next"'
    )
    assert (response["OCPI-from-party-id"], response["OCPI-to-party-id"]) == ("CPO", "MSP")


def test_the_rewritten_link_is_followed_through_the_hub(db, party_server):
    server = party_server(respond=first_page)
    cpo_at(server)
    link = emsp().get(f"{HUB}/sender/locations?limit=1", **TO_CPO)["Link"]
    next_url = link[1 : link.index(">")].removeprefix(settings.HUB_BASE_URL)
    emsp().get(next_url, **TO_CPO)
    assert [r.path for r in server.received] == [
        f"{CPO_BASE}/locations?limit=1",
        f"{CPO_BASE}/locations?offset=1&limit=1",
    ]


def test_a_direct_object_get_relays_the_cpos_answer_even_an_error(db, party_server):
    not_there = b'{"status_code":2003,"status_message":"No such EVSE","timestamp":"2024-01-01"}'
    server = party_server(respond=lambda received: (404, not_there, {}))
    cpo_at(server)
    response = emsp().get(f"{HUB}/sender/locations/LOC1/EVSE9", **TO_CPO)
    assert server.received[0].path == f"{CPO_BASE}/locations/LOC1/EVSE9"
    assert (response.status_code, response.content) == (404, not_there)


@pytest.mark.parametrize(
    "to", [{}, {"HTTP_OCPI_TO_COUNTRY_CODE": "NL", "HTTP_OCPI_TO_PARTY_ID": "HUB"}]
)
def test_without_ocpi_to_or_to_the_hub_the_stored_copies_answer(db, party_server, to):
    server = party_server()
    cpo_at(server)
    put(client_for("NL", "CPO", "CPO"), "NL/CPO/LOC1", location())
    listed = emsp().get(f"{HUB}/sender/locations", **to)
    one = emsp().get(f"{HUB}/sender/locations/LOC1", **to)
    assert [item["id"] for item in listed.json()["data"]] == ["LOC1"]
    assert one.json()["data"]["id"] == "LOC1"
    assert server.received == []


def hub_error(response) -> int:
    assert response.status_code == 200
    return response.json()["status_code"]


def test_an_unknown_party_is_4001(db):
    response = emsp().get(
        f"{HUB}/sender/locations", HTTP_OCPI_TO_COUNTRY_CODE="XX", HTTP_OCPI_TO_PARTY_ID="NOP"
    )
    assert hub_error(response) == 4001
    assert "XX*NOP" in response.json()["status_message"]


@override_settings(OCPI_REQUEST_TIMEOUT=0.3)
def test_a_party_that_does_not_answer_in_time_is_4002(db, party_server):
    def slow(received):
        time.sleep(1.0)
        return 200, ocpi_ok([]), {}

    cpo_at(party_server(respond=slow))
    started = time.monotonic()
    response = emsp().get(f"{HUB}/sender/locations", **TO_CPO)
    assert hub_error(response) == 4002
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    "status", [ConnectionStatus.OFFLINE, ConnectionStatus.SUSPENDED, ConnectionStatus.PLANNED]
)
def test_a_party_not_connected_is_4003_and_nothing_is_sent(db, party_server, status):
    server = party_server()
    cpo_at(server, status=status)
    assert hub_error(emsp().get(f"{HUB}/sender/locations", **TO_CPO)) == 4003
    assert server.received == []


def test_a_party_whose_server_refuses_the_connection_is_4003(db, party_server):
    server = party_server()
    cpo_at(server)
    server.stop()
    assert hub_error(emsp().get(f"{HUB}/sender/locations", **TO_CPO)) == 4003


def test_a_known_party_without_the_interface_is_4000(db, party_server):
    cpo_at(party_server(), modules=("locations",))
    response = emsp().get(f"{HUB}/sender/tariffs", **TO_CPO)
    assert hub_error(response) == 4000
    assert "tariffs SENDER" in response.json()["status_message"]


def test_an_answer_that_is_not_ocpi_is_4000_and_recorded_in_the_ledger(db, party_server):
    html = b"<html><body>502 Bad Gateway</body></html>"
    platform = cpo_at(party_server(respond=lambda received: (502, html, {})))
    assert hub_error(emsp().get(f"{HUB}/sender/locations", **TO_CPO)) == 4000
    (deviation,) = Deviation.objects.filter(platform=platform)
    assert (deviation.module, deviation.direction) == ("locations", "ANSWERED")
    assert "HTTP 502, not JSON" in deviation.rule


# The CDR URL the hub answers in `Location` (mod_cdrs, POST Method).

EMSP_CDRS = "/ocpi/emsp/2.2.1/cdrs"


def test_a_get_at_the_cdr_location_with_ocpi_to_reaches_the_emsps_copy(db, party_server):
    emsp_copy = b'{"status_code":1000,"timestamp":"2024-02-02T00:00:00Z","data":{"id":"CDR1"}}'

    def emsp_cdrs(received):
        if received.method == "POST":
            return 201, ocpi_ok(), {"Location": f"{server.url}{EMSP_CDRS}/77"}
        return 200, emsp_copy, {}

    server = party_server(respond=emsp_cdrs)
    create_platform(
        "eMSP",
        [("DE", "MSP", "EMSP")],
        endpoints={("cdrs", "RECEIVER"): f"{server.url}{EMSP_CDRS}"},
    )
    cpo_client = client_for("NL", "CPO", "CPO")
    posted = cpo_client.post(f"{HUB}/receiver/cdrs", cdr(), format="json")
    hub_url = posted["Location"].removeprefix(settings.HUB_BASE_URL)
    delivery.drain(Cdr.objects.get().message.deliveries.get().receiver_id)  # POST to the eMSP

    to_emsp = {"HTTP_OCPI_TO_COUNTRY_CODE": "DE", "HTTP_OCPI_TO_PARTY_ID": "MSP"}
    relayed = cpo_client.get(hub_url, **to_emsp)
    stored = cpo_client.get(hub_url)

    assert [(r.method, r.path) for r in server.received] == [
        ("POST", EMSP_CDRS),
        ("GET", f"{EMSP_CDRS}/77"),
    ]
    sent = headers_of(server.received[1])
    assert (sent["ocpi-from-party-id"], sent["ocpi-to-party-id"]) == ("CPO", "MSP")
    assert (relayed.status_code, relayed.content) == (200, emsp_copy)
    assert stored.json()["data"] == cdr()


def test_a_relayed_envelope_without_timestamp_is_passed_on_and_recorded(db, party_server):
    no_timestamp = b'{"status_code":1000,"data":[]}'
    platform = cpo_at(party_server(respond=lambda received: (200, no_timestamp, {})))
    response = emsp().get(f"{HUB}/sender/locations", **TO_CPO)
    assert response.content == no_timestamp
    (deviation,) = Deviation.objects.filter(platform=platform)
    assert (deviation.module, deviation.direction, deviation.field) == (
        "locations",
        "ANSWERED",
        "timestamp",
    )
