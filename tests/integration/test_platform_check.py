"""The platform check against a deliberately broken CPO platform on 127.0.0.1: it reports each
planted problem, and nothing else; it only reads, and stays within its request budget."""

import contextlib

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from parties.models import Deviation, PlatformCheck
from tests.cdrs.conftest import cdr
from tests.conftest import create_platform
from tests.locations.conftest import location
from tests.servers import ocpi_ok
from tests.sessions.conftest import session
from tests.tariffs.conftest import tariff

pytestmark = pytest.mark.integration

BASE = "/ocpi/2.2.1"
SENDERS = ("locations", "tariffs", "sessions", "cdrs")
RECEIVERS = ("tokens", "hubclientinfo")
# A CDR as a real CPO library serves it: cdr_location without evse_uid (required in 2.2.1).
CDR_WITHOUT_EVSE_UID = cdr(
    cdr_location={k: v for k, v in cdr()["cdr_location"].items() if k != "evse_uid"}
)


class BrokenCpo:
    """A CPO backend that is right in everything except the planted problems:

    1. its version details list an endpoint whose identifier is not a ModuleID ("location");
    2. its locations list has no X-Total-Count header;
    3. its tariffs list has a Link that leads to a 404 page;
    4. its CDR lacks cdr_location.evse_uid;
    5. its sessions list's envelope timestamp has a +00:00 offset (UTC must be Z or nothing);
    6. its tokens RECEIVER answers an HTML page instead of an envelope.
    """

    def __init__(self, party_server):
        self.server = party_server(respond=self.respond)

    def url(self, path: str) -> str:
        return f"{self.server.url}{path}"

    def endpoints(self) -> dict:
        urls = {(m, "SENDER"): self.url(f"{BASE}/{m}") for m in SENDERS}
        urls.update({(m, "RECEIVER"): self.url(f"{BASE}/r/{m}") for m in RECEIVERS})
        return urls

    def respond(self, received):
        path = received.path.split("?")[0]
        page = {"X-Total-Count": "1", "X-Limit": "10"}
        if path == "/ocpi/versions":
            return 200, ocpi_ok([{"version": "2.2.1", "url": self.url(BASE)}]), {}
        if path == BASE:
            endpoints = [
                {"identifier": m, "role": role, "url": url}
                for (m, role), url in self.endpoints().items()
            ]
            endpoints.append(  # planted 1
                {"identifier": "location", "role": "SENDER", "url": self.url("/x")}
            )
            return 200, ocpi_ok({"version": "2.2.1", "endpoints": endpoints}), {}
        if path == f"{BASE}/locations":
            return 200, ocpi_ok([location()]), {"X-Limit": "10"}  # planted 2
        if path == f"{BASE}/tariffs":
            if "offset=1" in received.path:
                return 404, b"<html>Not Found</html>", {}
            link = f'<{self.url(f"{BASE}/tariffs?offset=1&limit=1")}>; rel="next"'
            return 200, ocpi_ok([tariff()]), {"X-Total-Count": "2", "X-Limit": "1", "Link": link}
        if path == f"{BASE}/sessions":
            body = {**ocpi_ok([session()]), "timestamp": "2024-01-01T10:00:00+00:00"}  # 5
            return 200, body, page
        if path == f"{BASE}/cdrs":
            return 200, ocpi_ok([CDR_WITHOUT_EVSE_UID]), page  # planted 4
        if path.startswith(f"{BASE}/r/tokens/"):
            return 200, b"<html>Welcome</html>", {}  # planted 6
        if path.startswith(f"{BASE}/r/hubclientinfo/"):
            return 404, ocpi_ok(status_code=2000), {}
        return 404, ocpi_ok(status_code=2000), {}


@pytest.fixture
def broken(db, party_server):
    cpo = BrokenCpo(party_server)
    platform, _ = create_platform("Broken CPO", [("NL", "CPO", "CPO")], cpo.endpoints())
    platform.versions_url = cpo.url("/ocpi/versions")
    platform.save()
    return platform, cpo


def problems(report: PlatformCheck) -> dict[str, str]:
    return {result["check"]: result["detail"] for result in report.problems}


def test_each_planted_problem_is_reported_and_nothing_else(broken):
    platform, cpo = broken
    with pytest.raises(CommandError, match="6 problems"):
        call_command("check_platform", "Broken CPO")

    report = PlatformCheck.objects.get(platform=platform)
    found = problems(report)
    assert set(found) == {
        "version details",
        "locations SENDER: X-Total-Count",
        "tariffs SENDER: Link",
        "cdrs SENDER: objects",
        "DateTime formats",
        "tokens RECEIVER: envelope",
    }
    assert "'location' is not a ModuleID" in found["version details"]
    assert "x-total-count header missing" in found["locations SENDER: X-Total-Count"]
    assert "not followable: " in found["tariffs SENDER: Link"]
    assert found["cdrs SENDER: objects"].startswith("cdr_location.evse_uid: This field is")
    assert "+00:00" in found["DateTime formats"]
    assert "not an OCPI envelope" in found["tokens RECEIVER: envelope"]
    assert {r.method for r in cpo.server.received} == {"GET"}  # read-only
    assert report.requests == len(cpo.server.received)
    ledger = Deviation.objects.filter(platform=platform, direction="ANSWERED")
    assert set(ledger.values_list("module", "field")) == {
        ("locations", "(X-Total-Count header)"),
        ("tariffs", "(Link header)"),
        ("cdrs", "cdr_location.evse_uid"),
        ("sessions", "(envelope) timestamp"),
        ("tokens", "(response body)"),
    }


def test_the_check_asks_as_the_hub_with_its_token_and_routing_headers(broken):
    platform, cpo = broken
    call_command_quietly(platform.name)
    headers = {
        r.path.split("?")[0]: {k.lower(): v for k, v in r.headers.items()}
        for r in cpo.server.received
    }
    sessions = headers[f"{BASE}/sessions"]
    assert sessions["authorization"].startswith("Token ")
    assert (sessions["ocpi-from-party-id"], sessions["ocpi-to-party-id"]) == ("HUB", "CPO")
    assert "ocpi-from-party-id" not in headers[f"{BASE}/r/hubclientinfo/NL/HUB"]


@override_settings(PLATFORM_CHECK_MAX_REQUESTS=3)
def test_the_check_stops_at_its_request_budget_and_says_so(broken):
    platform, cpo = broken
    call_command_quietly(platform.name)
    assert len(cpo.server.received) == 3
    assert "budget" in problems(PlatformCheck.objects.get())


def test_the_admin_action_runs_it_and_the_platform_page_shows_the_report(admin_client, broken):
    platform, _ = broken
    admin_client.post(
        reverse("admin:parties_platform_changelist"),
        {"action": "check_platform", "_selected_action": [platform.pk]},
    )
    page = admin_client.get(reverse("admin:parties_platform_change", args=[platform.pk]))
    text = page.content.decode()
    assert "6 problems" in text
    assert "tokens RECEIVER: envelope" in text


def call_command_quietly(name: str) -> None:
    with contextlib.suppress(CommandError):  # problems found: the report is stored either way
        call_command("check_platform", name)
