"""Offboarding a platform over real HTTP: the platform gets a credentials DELETE with the hub's
token; its agreements end; what it stored stays, inactive."""

import base64
from types import SimpleNamespace

import pytest
from django.urls import reverse

from agreements.models import Agreement
from locations.models import Location
from parties.models import Platform
from tests.agreements.conftest import agree, location_of, put_location, status_of
from tests.conftest import create_platform, ocpi_client

pytestmark = pytest.mark.integration


def test_offboarding_tells_the_platform_and_ends_everything_but_the_history(
    db, party_server, admin_client
):
    server = party_server()
    platform, token = create_platform(
        "Leaving CPO",
        [("NL", "CPA", "CPO")],
        endpoints={("credentials", "SENDER"): f"{server.url}/ocpi/credentials/"},
    )
    cpo = SimpleNamespace(party=platform.parties.get(), client=ocpi_client(token))
    emsp_platform, _ = create_platform("eMSP", [("DE", "MSA", "EMSP")])
    emsp = SimpleNamespace(party=emsp_platform.parties.get())
    agree(cpo, emsp, "locations")
    assert status_of(put_location(cpo, location_of(cpo))) == 1000

    admin_client.post(
        reverse("admin:parties_platform_changelist"),
        {"action": "offboard", "_selected_action": [platform.pk]},
    )

    (deleted,) = server.wait_for(1)
    assert (deleted.method, deleted.path) == ("DELETE", "/ocpi/credentials/")
    hub_token = base64.b64encode(b"hub-token-for-Leaving CPO").decode()
    assert {k.lower(): v for k, v in deleted.headers.items()}["authorization"] == (
        f"Token {hub_token}"
    )
    assert Platform.objects.get(pk=platform.pk).status == "SUSPENDED"
    assert Agreement.objects.get().status == "ENDED"
    assert Agreement.objects.get().changes.first().description == "status: ACTIVE -> ENDED"
    assert Location.objects.filter(party_id="CPA").exists()
    assert cpo.client.get("/ocpi/2.2.1/sender/locations").status_code == 401
