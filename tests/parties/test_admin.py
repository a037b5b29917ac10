"""The admin screens hub operators use to onboard and manage platforms."""

import json
import re

from django.core.management import call_command
from django.urls import reverse

from hub.models import Message
from parties.models import ConnectionStatus, Platform, PlatformToken
from tests.conftest import ocpi_client

CHANGELIST = reverse("admin:parties_platform_changelist")


def test_invite_shows_token_a_once_and_it_works(admin_client):
    page = admin_client.post(
        reverse("admin:parties_platform_invite"),
        {"name": "Charge Co", "parties": "NL:CHC:CPO\nnl:chc:emsp\n"},
    ).content.decode()

    token_a = re.search(r'<code class="token-a">([^<]+)</code>', page).group(1)
    platform = Platform.objects.get(name="Charge Co")
    assert {(p.country_code, p.party_id, p.role) for p in platform.parties.all()} == {
        ("NL", "CHC", "CPO"),
        ("NL", "CHC", "EMSP"),
    }
    assert ocpi_client(token_a).get("/ocpi/versions").json()["status_code"] == 1000
    assert (
        token_a
        not in admin_client.get(
            reverse("admin:parties_platform_change", args=[platform.pk])
        ).content.decode()
    )


def test_invite_refuses_a_bad_party_line(admin_client, cpo):
    page = admin_client.post(
        reverse("admin:parties_platform_invite"), {"name": "X", "parties": "NL:CPO:CPO"}
    ).content.decode()
    assert "already invited or registered" in page
    assert not Platform.objects.filter(name="X").exists()


def test_lists_status_and_parties_but_never_tokens(admin_client, cpo):
    page = admin_client.get(CHANGELIST).content.decode()
    assert "CPO platform" in page and "NL*CPO CPO" in page and "CONNECTED" in page
    detail = admin_client.get(reverse("admin:parties_platform_change", args=[cpo.pk]))
    assert cpo.outgoing_token not in detail.content.decode()
    assert cpo.outgoing_token not in page
    assert (
        admin_client.get(CHANGELIST + "?status__exact=OFFLINE")
        .content.decode()
        .count("CPO platform")
        == 0
    )


def test_suspend_and_reinstate_actions(admin_client, cpo, client_info_listener):
    admin_client.post(CHANGELIST, {"action": "suspend", "_selected_action": [cpo.pk]})
    assert Platform.objects.get(pk=cpo.pk).status == ConnectionStatus.SUSPENDED
    announced = Message.objects.get(module="hubclientinfo")  # the new status is pushed
    assert json.loads(bytes(announced.body))["status"] == "SUSPENDED"

    admin_client.post(CHANGELIST, {"action": "reinstate", "_selected_action": [cpo.pk]})
    assert Platform.objects.get(pk=cpo.pk).status == ConnectionStatus.CONNECTED


def test_new_token_a_replaces_the_old_one(admin_client, db):
    from parties.actions import invite_platform

    platform, old = invite_platform("Planned", [("BE", "NEW", "EMSP")])
    page = admin_client.post(
        CHANGELIST, {"action": "issue_token_a", "_selected_action": [platform.pk]}
    ).content.decode()
    new = re.search(r'<code class="token-a">([^<]+)</code>', page).group(1)
    assert ocpi_client(old).get("/ocpi/versions").status_code == 401
    assert ocpi_client(new).get("/ocpi/versions").status_code == 200
    assert platform.tokens.get().kind == PlatformToken.Kind.REGISTRATION


def test_invite_command_prints_token_a(db, capsys):
    call_command("invite_platform", "Charge Co", "--party", "NL:CHC:CPO")
    output = capsys.readouterr().out
    token_a = re.search(r"Token A:\s+(\S+)", output).group(1)
    assert ocpi_client(token_a).get("/ocpi/2.2.1/credentials").status_code == 200


def test_the_ledger_shows_on_the_platform_page_and_filters_by_platform_and_module(
    admin_client, cpo, emsp
):
    lacking = {"country_code": "NL", "party_id": "CPO", "id": "T1", "currency": "EUR"}
    tariff = {**lacking, "last_updated": "2024-01-01T00:00:00Z", "elements": [{}]}
    response = cpo.client.put(
        "/ocpi/2.2.1/receiver/tariffs/NL/CPO/T1", tariff, format="json", HTTP_X_REQUEST_ID="r-7"
    )
    assert response.json()["status_code"] == 1000  # lenient: accepted and recorded

    platform_page = admin_client.get(
        reverse("admin:parties_platform_change", args=[cpo.pk])
    ).content.decode()
    assert "elements[].price_components" in platform_page and "r-7" in platform_page
    ledger = reverse("admin:parties_deviation_changelist")
    of_cpo = admin_client.get(ledger, {"platform__id__exact": cpo.pk, "module": "tariffs"})
    of_emsp = admin_client.get(ledger, {"platform__id__exact": emsp.pk})
    assert "elements[].price_components" in of_cpo.content.decode()
    assert "elements[].price_components" not in of_emsp.content.decode()
