"""LOG_FORMAT=json: one JSON object per line with the request's context; no token value ever."""

import io
import json
import logging
import os
import subprocess
import sys

from hub.logs import JSONFormatter, mask_secrets
from parties.actions import invite_platform
from tests.conftest import ROOT, ocpi_client
from tests.fake_party import FakeParty

CONTEXT = ("request_id", "correlation_id", "platform", "party", "module", "outcome")


def capture_json_lines(run) -> list[dict]:
    """Every line the hub logs while `run()` runs, formatted as with LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # successful requests are logged at DEBUG
    try:
        run()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    text = stream.getvalue()
    return text, [json.loads(line) for line in text.splitlines()]


def test_a_registration_and_a_push_log_json_lines_with_context_and_no_token(db, party_server):
    _, token_a = invite_platform("Charge Co", [("NL", "CHC", "CPO")])
    party = FakeParty(party_server, roles=(("NL", "CHC", "CPO"),))
    secrets = [token_a, "party-token-b"]

    def run():
        client = ocpi_client(token_a, HTTP_X_CORRELATION_ID="corr-42")
        answer = client.post(
            "/ocpi/2.2.1/credentials", party.credentials("party-token-b"), format="json"
        )
        secrets.append(answer.json()["data"]["token"])  # the hub's token C for the party
        ocpi_client(secrets[-1]).get("/ocpi/2.2.1/sender/locations")
        ocpi_client("not-a-token").get("/ocpi/2.2.1/sender/locations")

    text, lines = capture_json_lines(run)

    for secret in secrets:
        assert secret not in text
    for line in lines:
        assert set(CONTEXT) <= line.keys()
    requests = [line for line in lines if line["logger"] == "hub.requests"]
    registration, pull, refused = requests
    assert registration["correlation_id"] == "corr-42"
    assert registration["module"] == "credentials"
    assert registration["platform"] == "Charge Co"
    assert registration["outcome"] == "1000"
    assert pull["module"] == "locations" and pull["platform"] == "Charge Co"
    assert refused["outcome"] == "2000" and refused["platform"] is None
    assert refused["level"] == "INFO" and pull["level"] == "DEBUG"
    # the hub's calls back to the party, made during the registration, carry its request id
    callbacks = [line for line in lines if line["logger"] == "hub.client"]
    assert callbacks and {line["request_id"] for line in callbacks} == {registration["request_id"]}


def test_token_values_are_masked_wherever_they_appear():
    assert "abc123" not in mask_secrets("Authorization: Token abc123")
    assert "abc123" not in mask_secrets('{"token": "abc123", "url": "x"}')
    assert "abc123" not in mask_secrets("credentials token=abc123 refused")
    assert mask_secrets("GET /ocpi/2.2.1/tokens/NL/MSP/UID1 -> HTTP 200") == (
        "GET /ocpi/2.2.1/tokens/NL/MSP/UID1 -> HTTP 200"
    )


def test_log_format_json_makes_every_line_json():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, logging, warnings; django.setup(); "
            "warnings.warn('careful'); logging.getLogger('hub').warning('hello')",
        ],
        cwd=ROOT,
        env={**os.environ, "LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines[-1]["message"] == "hello" and lines[-1]["level"] == "WARNING"
    assert any("careful" in line["message"] for line in lines)
