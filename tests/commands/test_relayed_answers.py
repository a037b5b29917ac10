"""Answers the hub does not relay: redirects, empty bodies, bodies without the envelope."""

from tests.commands.conftest import CPO_COMMANDS, TO_CPO, path_of, start_session
from tests.servers import answering, ocpi_ok

COMMANDS = "/ocpi/2.2.1/receiver/commands/"


def send_command(emsp, cpo_api, answer):
    """START_SESSION to the CPO, which gives `answer` ((http_status, body, headers))."""
    cpo_api.respond = answering(answer)
    response = emsp.client.post(
        f"{COMMANDS}START_SESSION", start_session(), format="json", **TO_CPO
    )
    assert cpo_api.requests() == [("POST", f"{path_of(CPO_COMMANDS)}START_SESSION")]
    return response


def test_redirect_from_a_receiver_is_not_relayed(cpo, emsp, cpo_api):
    answer = (302, b"", {"Location": "http://169.254.169.254/latest/"})
    response = send_command(emsp, cpo_api, answer)
    assert response.status_code == 200
    assert response.json()["status_code"] == 4000
    assert "HTTP 302" in response.json()["status_message"]
    assert "Location" not in response


def test_empty_answer_from_a_receiver_is_an_ocpi_error(cpo, emsp, cpo_api):
    response = send_command(emsp, cpo_api, (200, b"", {}))
    assert response.json()["status_code"] == 4000
    assert "without an OCPI body" in response.json()["status_message"]


def test_answer_without_envelope_is_an_ocpi_error(cpo, emsp, cpo_api):
    response = send_command(emsp, cpo_api, (200, {"private": "data"}, {}))
    assert response.json()["status_code"] == 4000
    assert "private" not in response.content.decode()


def test_ocpi_answer_is_still_relayed(cpo, emsp, cpo_api):
    answer = (200, ocpi_ok({"result": "ACCEPTED", "timeout": 30}), {})
    response = send_command(emsp, cpo_api, answer)
    assert response.json()["data"] == {"result": "ACCEPTED", "timeout": 30}
