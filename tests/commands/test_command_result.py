import base64
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from commands.models import Command, Outcome
from parties.models import ConnectionStatus
from tests.commands.conftest import (
    CPO_COMMANDS,
    EMSP_RESPONSE_URL,
    TO_CPO,
    command_response,
    path_of,
    start_session,
)
from tests.conftest import create_platform, ocpi_client, url_on
from tests.servers import answering

RESULT = {"result": "ACCEPTED", "message": [{"language": "en", "text": "Charging"}]}
COMMAND_SENT = [("POST", f"{path_of(CPO_COMMANDS)}START_SESSION")]
RESULT_SENT = [("POST", path_of(EMSP_RESPONSE_URL))]


def send_start_session(emsp, emsp_api):
    """A START_SESSION whose response URL is at the eMSP's server."""
    body = start_session(response_url=url_on(emsp_api, EMSP_RESPONSE_URL))
    emsp.client.post("/ocpi/2.2.1/receiver/commands/START_SESSION", body, format="json", **TO_CPO)


@pytest.fixture
def command(cpo, emsp, cpo_api, emsp_api) -> Command:
    """A START_SESSION the CPO accepted: its hub response URL awaits the result."""
    send_start_session(emsp, emsp_api)
    assert cpo_api.requests() == COMMAND_SENT
    return Command.objects.get()


def post_result(client, entry_or_url, body=RESULT):
    url = entry_or_url if isinstance(entry_or_url, str) else entry_or_url.hub_response_url
    return client.post(urlsplit(url).path, body, format="json")


def test_result_reaches_the_emsps_original_url_with_the_hubs_token(cpo, emsp, emsp_api, command):
    emsp_api.respond = answering((200, {"status_code": 1000, "timestamp": "x"}, {}))

    response = post_result(cpo.client, command)

    assert response.status_code == 200
    assert response.json()["status_code"] == 1000
    assert emsp_api.requests() == RESULT_SENT
    sent = emsp_api.received[-1]
    assert sent.json == RESULT
    expected = "Token " + base64.b64encode(emsp.outgoing_token.encode()).decode()
    assert sent.header("Authorization") == expected
    assert sent.header("X-Correlation-ID") == "corr-app-1"
    assert (sent.header("OCPI-to-country-code"), sent.header("OCPI-to-party-id")) == (
        "DE",
        "MSP",
    )
    assert (sent.header("OCPI-from-country-code"), sent.header("OCPI-from-party-id")) == (
        "NL",
        "CPO",
    )
    command.refresh_from_db()
    assert command.outcome == Outcome.ACCEPTED
    assert command.result == RESULT
    assert command.last_result_at is not None
    assert "HTTP 200 OCPI 1000" in command.result_delivery


def test_emsps_refusal_is_relayed_to_the_cpo(cpo, emsp, emsp_api, command):
    refusal = {"status_code": 2001, "status_message": "no such request", "timestamp": "x"}
    emsp_api.respond = answering((200, refusal, {}))
    response = post_result(cpo.client, command, {"result": "FAILED"})
    assert emsp_api.requests() == RESULT_SENT
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"] == "no such request"
    command.refresh_from_db()
    assert command.outcome == Outcome.FAILED


def test_unreachable_emsp_is_4003_for_the_cpo(cpo, emsp, emsp_api, command):
    emsp_api.stop()  # nothing listens at the response URL
    response = post_result(cpo.client, command)
    assert response.json()["status_code"] == 4003


def test_offline_emsp_is_4003_and_nothing_is_sent(cpo, emsp, emsp_api, command):
    emsp_api.respond = answering((200, {"status_code": 1000}, {}))
    emsp.status = ConnectionStatus.OFFLINE
    emsp.save()
    response = post_result(cpo.client, command)
    assert response.json()["status_code"] == 4003
    assert emsp_api.received == []


def test_a_cpo_of_another_platform_cannot_post_the_result(cpo, emsp, emsp_api, command):
    emsp_api.respond = answering((200, {"status_code": 1000}, {}))
    _, intruder_token = create_platform("Intruder", [("BE", "BAD", "CPO")])
    response = post_result(ocpi_client(intruder_token), command)
    assert response.status_code == 404
    assert response.json()["status_code"] == 2001
    assert emsp_api.received == []
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


def test_the_requesting_emsp_cannot_post_a_result_itself(cpo, emsp, cpo_api, emsp_api, command):
    response = post_result(emsp.client, command)
    assert response.status_code == 404
    assert (cpo_api.requests(), emsp_api.received) == (COMMAND_SENT, []), "only the command"


def test_unknown_response_url_is_refused_and_logged(cpo, emsp, cpo_api, emsp_api, command, caplog):
    response = post_result(cpo.client, command.hub_response_url + "x")
    assert response.status_code == 404
    assert response.json()["status_code"] == 2001
    assert "Unknown response URL" in response.json()["status_message"]
    assert "unknown response URL" in caplog.text
    assert cpo.token not in caplog.text and emsp.outgoing_token not in caplog.text
    assert (cpo_api.requests(), emsp_api.received) == (COMMAND_SENT, []), "only the command"


def test_expired_response_url_is_refused(cpo, emsp, emsp_api, command):
    emsp_api.respond = answering((200, {"status_code": 1000}, {}))
    Command.objects.filter(pk=command.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = post_result(cpo.client, command)
    assert response.status_code == 404
    assert response.json()["status_code"] == 2001
    assert "expired" in response.json()["status_message"]
    assert emsp_api.received == []


def test_invalid_result_names_the_field(cpo, emsp, command):
    response = post_result(cpo.client, command, {"result": "DONE"})
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("result:")


def test_a_result_before_the_response_keeps_the_result_outcome(cpo, emsp, cpo_api, emsp_api):
    """A fast CPO may post the result before answering the command."""
    from commands.actions import record_response, relay_result
    from hub.client import Reply

    emsp_api.respond = answering((200, {"status_code": 1000}, {}))
    send_start_session(emsp, emsp_api)
    entry = Command.objects.select_related("requester__platform", "cpo__platform").get()
    relay_result(entry, {"result": "EVSE_OCCUPIED"})
    assert emsp_api.requests() == RESULT_SENT
    record_response(entry, Reply(http_status=200, status_code=1000, body=command_response()))
    entry.refresh_from_db()
    assert (entry.outcome, entry.response_result) == (Outcome.EVSE_OCCUPIED, "ACCEPTED")
