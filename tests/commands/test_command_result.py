import base64
import json
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from django.utils import timezone

from commands.models import Command, Outcome
from parties.models import ConnectionStatus
from tests.commands.conftest import (
    CPO_COMMANDS,
    EMSP_RESPONSE_URL,
    TO_CPO,
    command_response,
    start_session,
)
from tests.conftest import create_platform, ocpi_client

RESULT = {"result": "ACCEPTED", "message": [{"language": "en", "text": "Charging"}]}


@pytest.fixture
def command(cpo, emsp, party_api) -> Command:
    """A START_SESSION the CPO accepted: its hub response URL awaits the result."""
    party_api.post(f"{CPO_COMMANDS}START_SESSION").respond(json=command_response())
    emsp.client.post(
        "/ocpi/2.2.1/receiver/commands/START_SESSION", start_session(), format="json", **TO_CPO
    )
    return Command.objects.get()


def post_result(client, entry_or_url, body=RESULT):
    url = entry_or_url if isinstance(entry_or_url, str) else entry_or_url.hub_response_url
    return client.post(urlsplit(url).path, body, format="json")


def test_result_reaches_the_emsps_original_url_with_the_hubs_token(cpo, emsp, party_api, command):
    route = party_api.post(EMSP_RESPONSE_URL).respond(json={"status_code": 1000, "timestamp": "x"})

    response = post_result(cpo.client, command)

    assert response.status_code == 200
    assert response.json()["status_code"] == 1000
    sent = route.calls.last.request
    assert json.loads(sent.content) == RESULT
    expected = "Token " + base64.b64encode(emsp.outgoing_token.encode()).decode()
    assert sent.headers["Authorization"] == expected
    assert sent.headers["X-Correlation-ID"] == "corr-app-1"
    assert (sent.headers["OCPI-to-country-code"], sent.headers["OCPI-to-party-id"]) == (
        "DE",
        "MSP",
    )
    assert (sent.headers["OCPI-from-country-code"], sent.headers["OCPI-from-party-id"]) == (
        "NL",
        "CPO",
    )
    command.refresh_from_db()
    assert command.outcome == Outcome.ACCEPTED
    assert command.result == RESULT
    assert command.last_result_at is not None
    assert "HTTP 200 OCPI 1000" in command.result_delivery


def test_emsps_refusal_is_relayed_to_the_cpo(cpo, emsp, party_api, command):
    party_api.post(EMSP_RESPONSE_URL).respond(
        json={"status_code": 2001, "status_message": "no such request", "timestamp": "x"}
    )
    response = post_result(cpo.client, command, {"result": "FAILED"})
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"] == "no such request"
    command.refresh_from_db()
    assert command.outcome == Outcome.FAILED


def test_unreachable_emsp_is_4003_for_the_cpo(cpo, emsp, party_api, command):
    party_api.post(EMSP_RESPONSE_URL).mock(side_effect=httpx.ConnectError("refused"))
    response = post_result(cpo.client, command)
    assert response.json()["status_code"] == 4003


def test_offline_emsp_is_4003_and_nothing_is_sent(cpo, emsp, party_api, command):
    route = party_api.post(EMSP_RESPONSE_URL).respond(json={"status_code": 1000})
    emsp.status = ConnectionStatus.OFFLINE
    emsp.save()
    response = post_result(cpo.client, command)
    assert response.json()["status_code"] == 4003
    assert route.call_count == 0


def test_a_cpo_of_another_platform_cannot_post_the_result(cpo, emsp, party_api, command):
    route = party_api.post(EMSP_RESPONSE_URL).respond(json={"status_code": 1000})
    _, intruder_token = create_platform("Intruder", [("BE", "BAD", "CPO")])
    response = post_result(ocpi_client(intruder_token), command)
    assert response.status_code == 404
    assert response.json()["status_code"] == 2001
    assert route.call_count == 0
    command.refresh_from_db()
    assert command.result is None


def test_another_platforms_result_gets_the_answer_of_an_unknown_url(cpo, command):
    """The answer does not reveal that the response URL exists."""
    _, intruder_token = create_platform("Intruder", [("BE", "BAD", "CPO")])
    intruder = ocpi_client(intruder_token)
    existing = post_result(intruder, command)
    unknown = post_result(intruder, command.hub_response_url[:-4] + "zzzz")

    def seen(response):
        body = response.json()
        message = body["status_message"].replace(command.id[:-4] + "zzzz", command.id)
        return response.status_code, body["status_code"], message

    assert seen(existing) == seen(unknown)


def test_the_requesting_emsp_cannot_post_a_result_itself(cpo, emsp, party_api, command):
    response = post_result(emsp.client, command)
    assert response.status_code == 404
    assert len(party_api.calls) == 1, "only the command itself was sent"


def test_unknown_response_url_is_refused_and_logged(cpo, emsp, party_api, command, caplog):
    response = post_result(cpo.client, command.hub_response_url + "x")
    assert response.status_code == 404
    assert response.json()["status_code"] == 2001
    assert "Unknown response URL" in response.json()["status_message"]
    assert "unknown response URL" in caplog.text
    assert cpo.token not in caplog.text and emsp.outgoing_token not in caplog.text
    assert len(party_api.calls) == 1, "only the command itself was sent"


def test_expired_response_url_is_refused(cpo, emsp, party_api, command):
    route = party_api.post(EMSP_RESPONSE_URL).respond(json={"status_code": 1000})
    Command.objects.filter(pk=command.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = post_result(cpo.client, command)
    assert response.status_code == 404
    assert response.json()["status_code"] == 2001
    assert "expired" in response.json()["status_message"]
    assert route.call_count == 0


def test_invalid_result_names_the_field(cpo, emsp, party_api, command):
    response = post_result(cpo.client, command, {"result": "DONE"})
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("result:")


def test_a_result_before_the_response_keeps_the_result_outcome(cpo, emsp, party_api):
    """A fast CPO may post the result before answering the command."""
    from commands.actions import record_response, relay_result
    from hub.client import Reply

    party_api.post(f"{CPO_COMMANDS}START_SESSION").respond(json=command_response())
    party_api.post(EMSP_RESPONSE_URL).respond(json={"status_code": 1000})
    emsp.client.post(
        "/ocpi/2.2.1/receiver/commands/START_SESSION", start_session(), format="json", **TO_CPO
    )
    entry = Command.objects.select_related("requester__platform", "cpo__platform").get()
    relay_result(entry, {"result": "EVSE_OCCUPIED"})
    record_response(entry, Reply(http_status=200, status_code=1000, body=command_response()))
    entry.refresh_from_db()
    assert (entry.outcome, entry.response_result) == (Outcome.EVSE_OCCUPIED, "ACCEPTED")
