"""A CPO and an eMSP with commands and chargingprofiles endpoints, each on a server of its own
on 127.0.0.1 (`cpo_api`, `emsp_api`), and request bodies."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from sessions.models import Session
from tests.conftest import create_platform, ocpi_client, point_at
from tests.servers import answering

CPO_COMMANDS = "http://cpo.test/ocpi/cpo/2.2.1/commands/"
CPO_PROFILES = "http://cpo.test/ocpi/cpo/2.2.1/chargingprofiles/"
EMSP_PROFILES = "http://msp.test/ocpi/emsp/2.2.1/chargingprofiles/"
EMSP_RESPONSE_URL = "http://msp.test/ocpi/emsp/2.2.1/commands/START_SESSION/req-42"


def token(country_code="DE", party_id="MSP", **changes) -> dict:
    return {
        "country_code": country_code,
        "party_id": party_id,
        "uid": "APP-1234",
        "type": "APP_USER",
        "contract_id": "DE-MSP-C12345",
        "issuer": "My eMSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2024-03-01T10:00:00Z",
        **changes,
    }


def start_session(**changes) -> dict:
    return {
        "response_url": EMSP_RESPONSE_URL,
        "token": token(),
        "location_id": "LOC1",
        "evse_uid": "EVSE1",
        **changes,
    }


def command_response(result="ACCEPTED", timeout=30) -> dict:
    return {
        "status_code": 1000,
        "timestamp": "2024-03-01T10:00:00Z",
        "data": {"result": result, "timeout": timeout},
    }


TO_CPO = {"HTTP_OCPI_TO_COUNTRY_CODE": "NL", "HTTP_OCPI_TO_PARTY_ID": "CPO"}


def path_of(url: str) -> str:
    """The path (and query) at which a party's server receives what the hub sends to `url`."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.fixture
def cpo_api(party_server):
    """The CPO's commands and chargingprofiles receivers: every command is ACCEPTED."""
    return party_server(answering((200, command_response(), {})))


@pytest.fixture
def emsp_api(party_server):
    """The eMSP's chargingprofiles sender and the response URLs it gives (`url_on`): 1000."""
    return party_server()


@pytest.fixture
def cpo(db, cpo_api):
    platform, access = create_platform(
        "CPO platform",
        [("NL", "CPO", "CPO")],
        {("commands", "RECEIVER"): CPO_COMMANDS, ("chargingprofiles", "RECEIVER"): CPO_PROFILES},
    )
    point_at(cpo_api, platform)
    platform.client = ocpi_client(access)
    platform.token = access
    return platform


@pytest.fixture
def emsp(db, emsp_api):
    platform, access = create_platform(
        "eMSP platform",
        [("DE", "MSP", "EMSP")],
        {("chargingprofiles", "SENDER"): EMSP_PROFILES},
    )
    point_at(emsp_api, platform)
    platform.client = ocpi_client(access, HTTP_X_CORRELATION_ID="corr-app-1")
    platform.token = access
    return platform


def store_session(emsp_ref, session_id="S1", cpo_ref=("NL", "CPO")):
    """A Session of the CPO that the hub routed to the party `emsp_ref`."""
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    Session.objects.create(
        country_code=cpo_ref[0],
        party_id=cpo_ref[1],
        emsp_country_code=emsp_ref[0],
        emsp_party_id=emsp_ref[1],
        session_id=session_id,
        status="ACTIVE",
        document={"id": session_id},
        start_date_time=moment,
        last_updated_at=moment,
    )


@pytest.fixture
def emsp_session(db):
    """Session S1 of NL*CPO, routed to DE*MSP."""
    store_session(("DE", "MSP"))
