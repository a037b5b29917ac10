"""Commands and charging profiles end to end: a real eMSP server, a real CPO server and the hub
over HTTP (live_server). The CPO posts its asynchronous results to the URLs the hub gave it.
"""

import threading
import time
import uuid

import httpx
import pytest

from commands.models import Command, Outcome
from tests.commands.conftest import store_session
from tests.conftest import create_platform, token_header
from tests.servers import ocpi_ok

pytestmark = pytest.mark.integration

EMSP_REF = {"OCPI-from-country-code": "DE", "OCPI-from-party-id": "MSP"}
TO_CPO = {"OCPI-to-country-code": "NL", "OCPI-to-party-id": "CPO"}
TOKEN = {
    "country_code": "DE",
    "party_id": "MSP",
    "uid": "APP-1",
    "type": "APP_USER",
    "contract_id": "DE-MSP-C1",
    "issuer": "My eMSP",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2024-03-01T10:00:00Z",
}


class Cpo:
    """Answers each command with CommandResponse(`response`, `timeout`), then posts `result`
    to the command's response_url after `delay` seconds, as a CPO backend does."""

    def __init__(self, party_server, result="ACCEPTED", response="ACCEPTED", timeout=30):
        self.result, self.response, self.timeout, self.delay = result, response, timeout, 0.1
        self.sleep = 0.0
        self.token = None  # the CPO's credentials token at the hub
        self.result_answers: list[httpx.Response] = []
        self.response_urls: dict[str, str] = {}
        self.server = party_server(self.respond)

    def respond(self, received):
        time.sleep(self.sleep)
        body = received.json or {}
        command = received.path.rstrip("/").rsplit("/", 1)[-1]
        self.response_urls[command] = body.get("response_url")
        if self.result is not None and body.get("response_url"):
            self.post_later(body["response_url"], {"result": self.result}, self.delay)
        return 200, ocpi_ok({"result": self.response, "timeout": self.timeout}), {}

    def post_later(self, url, result, delay):
        threading.Timer(delay, self.post_result, (url, result)).start()

    def post_result(self, url, result) -> httpx.Response:
        answer = httpx.post(
            url,
            json=result,
            headers={
                "Authorization": token_header(self.token),
                "X-Request-ID": str(uuid.uuid4()),
                "X-Correlation-ID": str(uuid.uuid4()),
                "OCPI-from-country-code": "NL",
                "OCPI-from-party-id": "CPO",
                "OCPI-to-country-code": "DE",
                "OCPI-to-party-id": "MSP",
            },
            timeout=10,
        )
        self.result_answers.append(answer)
        return answer


@pytest.fixture
def hub(live_server, settings):
    settings.HUB_BASE_URL = live_server.url
    settings.OCPI_COMMAND_TIMEOUT = 1.0
    return live_server.url


@pytest.fixture
def world(hub, party_server):
    """The hub, an eMSP platform (DE*MSP) and a CPO platform (NL*CPO), each a real server."""
    emsp_server = party_server()
    cpo = Cpo(party_server)
    emsp, emsp_token = create_platform(
        "eMSP",
        [("DE", "MSP", "EMSP")],
        {("chargingprofiles", "SENDER"): f"{emsp_server.url}/ocpi/emsp/2.2.1/chargingprofiles"},
    )
    _, cpo.token = create_platform(
        "CPO",
        [("NL", "CPO", "CPO")],
        {
            ("commands", "RECEIVER"): f"{cpo.server.url}/ocpi/cpo/2.2.1/commands",
            ("chargingprofiles", "RECEIVER"): f"{cpo.server.url}/ocpi/cpo/2.2.1/chargingprofiles",
        },
    )

    for session_id in ("S", "S-1"):  # sessions the hub routed to the eMSP
        store_session(("DE", "MSP"), session_id)

    class World:
        pass

    world = World()
    world.hub, world.cpo, world.emsp, world.emsp_server = hub, cpo, emsp, emsp_server
    world.emsp_token = emsp_token

    def send(command, body, to=TO_CPO, correlation_id=None):
        return httpx.post(
            f"{hub}/ocpi/2.2.1/receiver/commands/{command}",
            json=body,
            headers={
                "Authorization": token_header(emsp_token),
                "X-Request-ID": str(uuid.uuid4()),
                "X-Correlation-ID": correlation_id or str(uuid.uuid4()),
                **EMSP_REF,
                **to,
            },
            timeout=10,
        )

    world.send = send
    return world


def original_url(world, name):
    return f"{world.emsp_server.url}/ocpi/emsp/2.2.1/commands/{name}"


def test_start_and_stop_session_round_trip(world):
    start_url = original_url(world, "START_SESSION/req-1")
    response = world.send(
        "START_SESSION",
        {"response_url": start_url, "token": TOKEN, "location_id": "LOC1", "evse_uid": "E1"},
        correlation_id="corr-start-1",
    )

    assert response.json()["status_code"] == 1000
    assert response.json()["data"] == {"result": "ACCEPTED", "timeout": 30}
    assert response.headers["X-Correlation-ID"] == "corr-start-1"
    forwarded_url = world.cpo.response_urls["START_SESSION"]
    assert forwarded_url.startswith(f"{world.hub}/ocpi/2.2.1/sender/commands/")
    assert len(forwarded_url) <= 255 and world.emsp_server.url not in forwarded_url

    (result,) = world.emsp_server.wait_for(1, timeout=10)
    assert (result.method, result.path) == ("POST", "/ocpi/emsp/2.2.1/commands/START_SESSION/req-1")
    assert result.json == {"result": "ACCEPTED"}
    assert result.headers["Authorization"] == token_header(world.emsp.outgoing_token)
    assert result.headers["X-Correlation-ID"] == "corr-start-1"
    assert (result.headers["OCPI-from-country-code"], result.headers["OCPI-from-party-id"]) == (
        "NL",
        "CPO",
    )
    wait_until(lambda: world.cpo.result_answers)
    assert world.cpo.result_answers[0].json()["status_code"] == 1000

    stop_url = original_url(world, "STOP_SESSION/req-2")
    response = world.send("STOP_SESSION", {"response_url": stop_url, "session_id": "S-1"})
    assert response.json()["data"]["result"] == "ACCEPTED"
    second = world.emsp_server.wait_for(2, timeout=10)[1]
    assert second.path == "/ocpi/emsp/2.2.1/commands/STOP_SESSION/req-2"

    start = Command.objects.get(correlation_id="corr-start-1")
    assert (start.outcome, start.response_result) == (Outcome.ACCEPTED, "ACCEPTED")
    assert start.last_result_at is not None


def test_reservation_then_cancel_routed_by_reservation_id(world):
    reserve_url = original_url(world, "RESERVE_NOW/r-1")
    response = world.send(
        "RESERVE_NOW",
        {
            "response_url": reserve_url,
            "token": TOKEN,
            "expiry_date": "2099-01-01T12:00:00Z",
            "reservation_id": "RES-1",
            "location_id": "LOC1",
        },
    )
    assert response.json()["status_code"] == 1000
    world.emsp_server.wait_for(1, timeout=10)
    hub_reserve_url = world.cpo.response_urls["RESERVE_NOW"]

    # Open routing: no OCPI-to, the hub knows the CPO of reservation RES-1.
    cancel_url = original_url(world, "CANCEL_RESERVATION/c-1")
    response = world.send(
        "CANCEL_RESERVATION", {"response_url": cancel_url, "reservation_id": "RES-1"}, to={}
    )
    assert response.json()["status_code"] == 1000
    assert "CANCEL_RESERVATION" in world.cpo.response_urls
    world.emsp_server.wait_for(2, timeout=10)

    # Later the CPO reports the reservation canceled, at the RESERVE_NOW's URL.
    answer = world.cpo.post_result(hub_reserve_url, {"result": "CANCELED_RESERVATION"})
    assert answer.json()["status_code"] == 1000
    canceled = world.emsp_server.wait_for(3, timeout=10)[2]
    assert canceled.path == "/ocpi/emsp/2.2.1/commands/RESERVE_NOW/r-1"
    assert canceled.json == {"result": "CANCELED_RESERVATION"}


def test_unlock_connector(world):
    world.cpo.result = "FAILED"
    response = world.send(
        "UNLOCK_CONNECTOR",
        {
            "response_url": original_url(world, "UNLOCK/u-1"),
            "location_id": "LOC1",
            "evse_uid": "E1",
            "connector_id": "1",
        },
    )
    assert response.json()["data"]["result"] == "ACCEPTED"
    (result,) = world.emsp_server.wait_for(1, timeout=10)
    assert result.json == {"result": "FAILED"}


def test_late_result_after_the_command_timeout_still_arrives(world):
    world.cpo.timeout, world.cpo.delay = 1, 1.6
    sent_at = time.monotonic()
    response = world.send(
        "START_SESSION",
        {"response_url": original_url(world, "late"), "token": TOKEN, "location_id": "LOC1"},
    )
    assert response.json()["data"]["timeout"] == 1
    (result,) = world.emsp_server.wait_for(1, timeout=10)
    assert time.monotonic() - sent_at > 1, "the result came after the CPO's timeout"
    assert result.path == "/ocpi/emsp/2.2.1/commands/late"


def test_result_to_an_unknown_url_is_refused(world):
    answer = world.cpo.post_result(
        f"{world.hub}/ocpi/2.2.1/sender/commands/not-a-known-id", {"result": "ACCEPTED"}
    )
    assert answer.status_code == 404
    assert answer.json()["status_code"] == 2001
    time.sleep(0.2)
    assert world.emsp_server.received == []


def test_unknown_receiver_is_4001(world):
    response = world.send(
        "STOP_SESSION",
        {"response_url": original_url(world, "x"), "session_id": "S"},
        to={"OCPI-to-country-code": "BE", "OCPI-to-party-id": "XXX"},
    )
    assert response.json()["status_code"] == 4001


def test_slow_cpo_is_4002_within_the_command_timeout(world):
    world.cpo.sleep = 3.0
    started = time.monotonic()
    response = world.send(
        "STOP_SESSION", {"response_url": original_url(world, "x"), "session_id": "S"}
    )
    assert response.json()["status_code"] == 4002
    assert time.monotonic() - started < 2.0
    assert Command.objects.get().outcome == Outcome.CPO_TIMEOUT


def test_cpo_that_refuses_connections_is_4003(world):
    world.cpo.server.stop()
    started = time.monotonic()
    response = world.send(
        "STOP_SESSION", {"response_url": original_url(world, "x"), "session_id": "S"}
    )
    assert response.json()["status_code"] == 4003
    assert time.monotonic() - started < 2.0


def test_charging_profile_put_and_result_round_trip(world, party_server):
    profile_url = f"{world.emsp_server.url}/ocpi/emsp/2.2.1/chargingprofiles/result/p-1"
    response = httpx.put(
        f"{world.hub}/ocpi/2.2.1/receiver/chargingprofiles/S-1",
        json={
            "charging_profile": {
                "charging_rate_unit": "A",
                "charging_profile_period": [{"start_period": 0, "limit": 16}],
            },
            "response_url": profile_url,
        },
        headers={"Authorization": token_header(world.emsp_token), **EMSP_REF, **TO_CPO},
        timeout=10,
    )
    assert response.json()["status_code"] == 1000
    assert response.json()["data"]["result"] == "ACCEPTED"
    (result,) = world.emsp_server.wait_for(1, timeout=10)
    assert result.path == "/ocpi/emsp/2.2.1/chargingprofiles/result/p-1"
    assert result.json == {"result": "ACCEPTED"}
    wait_until(lambda: world.cpo.result_answers)
    answer = world.cpo.result_answers[0].json()
    assert answer["status_code"] == 1000 and "data" not in answer


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")
