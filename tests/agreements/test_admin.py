"""The admin screens: matrix with bulk actions, change form with history, what X would receive,
offboarding a platform and deleting a party (archived, never deleted)."""

import re
from html import escape

from django.urls import reverse

from agreements.models import MODULES, Agreement, AgreementChange
from commands.models import Command
from hub.models import Delivery
from locations.models import Location
from parties.models import Party, Platform
from tests.agreements.conftest import (
    agree,
    base_url,
    location_of,
    put_location,
    status_of,
)
from tests.conftest import point_at

MATRIX = reverse("admin:agreements_agreement_matrix")
RECEIVE = reverse("admin:agreements_agreement_receive")


def cell(page: str, cpo, partner) -> str:
    match = re.search(
        rf'data-cpo="{cpo.party.pk}" data-partner="{partner.party.pk}">(.*?)</td>', page, re.S
    )
    return re.sub(r"<form.*?</form>", "", match.group(1), flags=re.S)


def test_the_matrix_shows_one_cell_per_pair(world, admin_client, settings):
    settings.HUB_ROAMING_POLICY = "agreements"
    agree(world.cpa, world.msa, "locations", "tariffs")

    page = admin_client.get(MATRIX).content.decode()

    assert "ACTIVE" in cell(page, world.cpa, world.msa)
    assert "locations tariffs" in cell(page, world.cpa, world.msa)
    assert "none" in cell(page, world.cpb, world.msb)
    assert "agreements required" in page


def test_matrix_bulk_actions_activate_a_pair_and_suspend_a_party(world, admin_client):
    admin_client.post(
        MATRIX, {"action": "activate", "cpo": world.cpb.party.pk, "partner": world.msa.party.pk}
    )
    agree(world.cpa, world.msa, "locations")
    admin_client.post(MATRIX, {"action": "suspend_party", "party": world.msa.party.pk})

    activated = Agreement.objects.get(cpo=world.cpb.party)
    assert activated.modules == sorted(MODULES)
    assert set(Agreement.objects.values_list("status", flat=True)) == {"SUSPENDED"}
    assert activated.changes.first().changed_by == "admin admin"


def test_the_change_form_records_who_changed_what(world, admin_client):
    agreement = agree(world.cpa, world.msa, "locations")
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    form = {
        "cpo": world.cpa.party.pk,
        "partner": world.msa.party.pk,
        "modules": ["locations", "cdrs"],
        "status": "SUSPENDED",
        "valid_from": "",
        "valid_until": "",
        "changes-TOTAL_FORMS": "0",
        "changes-INITIAL_FORMS": "0",
    }

    assert admin_client.post(url, form).status_code == 302
    page = admin_client.get(url).content.decode()

    change = AgreementChange.objects.filter(agreement=agreement).first()
    assert change.changed_by == "admin admin"
    assert change.description == "status: ACTIVE -> SUSPENDED, modules: locations -> cdrs+locations"
    assert (change.status, change.modules) == ("SUSPENDED", ["cdrs", "locations"])
    assert escape(change.description) in page


def test_the_change_form_refuses_a_pair_without_a_cpo(world, admin_client):
    form = {
        "cpo": world.cpa.party.pk,
        "partner": world.cpb.party.pk,
        "modules": ["locations"],
        "status": "ACTIVE",
        "changes-TOTAL_FORMS": "0",
        "changes-INITIAL_FORMS": "0",
    }

    page = admin_client.post(reverse("admin:agreements_agreement_add"), form).content.decode()

    assert "partner" in page and not Agreement.objects.exists()


def test_what_would_a_party_receive_answers_from_the_routing_rule(world, admin_client, settings):
    settings.HUB_ROAMING_POLICY = "agreements"
    assert status_of(put_location(world.cpa, location_of(world.cpa))) == 1000
    agree(world.cpa, world.msa, "locations")

    page = admin_client.get(RECEIVE, {"party": world.msa.party.pk}).content.decode()

    assert re.search(r'class="module-locations">NL\*CPA \(CPO\)</td>', page)
    assert re.search(r'class="stored-locations">1</td>', page)
    assert re.search(r'class="module-tokens"><em>nobody</em>', page)


def test_offboarding_sends_credentials_delete_ends_agreements_and_keeps_history(
    world, admin_client, party_server
):
    agree(world.cpa, world.msa, "locations")
    assert status_of(put_location(world.cpa, location_of(world.cpa))) == 1000
    world.cpa.platform.endpoints.create(
        identifier="credentials", role="SENDER", url=f"{base_url('cpa')}/credentials/"
    )
    cpa = party_server()
    point_at(cpa, world.cpa.platform)

    admin_client.post(
        reverse("admin:parties_platform_changelist"),
        {"action": "offboard", "_selected_action": [world.cpa.platform.pk]},
    )

    platform = Platform.objects.get(pk=world.cpa.platform.pk)
    assert cpa.requests() == [("DELETE", "/ocpi/2.2.1/credentials/")]
    assert platform.status == "SUSPENDED" and not platform.tokens.exists()
    assert Agreement.objects.get().status == "ENDED"
    assert Location.objects.filter(party_id="CPA").exists()  # kept, inactive
    assert Delivery.objects.filter(receiver=world.msa.party).exists()
    assert world.cpa.client.get("/ocpi/2.2.1/sender/locations").status_code == 401


def test_deleting_a_party_archives_it_and_keeps_its_deliveries_and_commands(world, admin_client):
    assert status_of(put_location(world.cpa, location_of(world.cpa))) == 1000
    party = world.msa.party
    Command.objects.create(
        module="commands",
        command="START_SESSION",
        requester=party,
        cpo=world.cpa.party,
        response_url="https://msa.test/r",
        correlation_id="c",
        request={},
        expires_at="2030-01-01T00:00:00Z",
    )

    admin_client.post(reverse("admin:parties_party_delete", args=[party.pk]), {"post": "yes"})

    archived = Party.objects.get(pk=party.pk)
    assert archived.archived_at is not None
    assert Delivery.objects.filter(receiver=party).exists()
    assert Command.objects.filter(requester=party).exists()
    assert not Party.objects.by_id("DE", "MSA").exists()  # no traffic to it any more
    assert status_of(put_location(world.cpa, location_of(world.cpa, "LOC2"))) == 1000
    assert not Delivery.objects.filter(receiver=party, message__segments=["LOC2"]).exists()


def test_the_agreement_pages_link_the_tools(world, admin_client):
    agreement = agree(world.cpa, world.msa, "locations")

    changelist = admin_client.get(reverse("admin:agreements_agreement_changelist"))
    pages = [
        admin_client.get(reverse("admin:agreements_agreement_add")),
        admin_client.get(reverse("admin:agreements_agreement_change", args=[agreement.pk])),
        admin_client.get(RECEIVE),
        admin_client.get(reverse("admin:agreements_agreement_import")),
    ]

    text = changelist.content.decode()
    for view in ("matrix", "receive", "export", "import"):
        assert reverse(f"admin:agreements_agreement_{view}") in text
    assert "NL*CPA (CPO)" in text
    assert [page.status_code for page in pages] == [200, 200, 200, 200]
