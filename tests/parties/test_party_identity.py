"""A (country_code, party_id) belongs to one platform: the hub keys Sessions, CDRs and Tokens on
it, so a second platform claiming it in another role would see and receive another's data."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from parties.models import ConnectionStatus, Party, Platform
from tests.conftest import create_platform
from tests.fake_party import FakeParty

INVITE = reverse("admin:parties_platform_invite")


@pytest.fixture
def emsp_platform(transactional_db):
    platform, _ = create_platform("eMSP platform", [("DE", "MSP", "EMSP")])
    return platform


def test_invite_cannot_claim_an_id_in_use_in_another_role(admin_client, emsp_platform):
    page = admin_client.post(INVITE, {"name": "Intruder", "parties": "DE:MSP:NSP"}).content
    assert b"used by another platform" in page
    assert not Platform.objects.filter(name="Intruder").exists()


def test_admin_cannot_add_the_id_to_another_platform(admin_client, emsp_platform):
    other, _ = create_platform("Other", [("FR", "OTH", "CPO")])
    party = Party(platform=other, country_code="de", party_id="msp", role="SCSP")
    with pytest.raises(Exception, match="belong to one platform"):
        party.full_clean()


def test_hub_registration_refuses_roles_not_approved(emsp_platform, party_server):
    party = FakeParty(party_server, roles=[("NL", "CPO", "CPO"), ("NL", "CPO", "EMSP")])
    output = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "register_at_party", party.versions_url, "token-a", "--party", "NL:CPO:CPO",
            stdout=output,
        )  # fmt: skip
    assert "NL*CPO EMSP was not approved" in output.getvalue()
    platform = Platform.objects.get(versions_url=party.versions_url)
    assert platform.status == ConnectionStatus.PLANNED
    assert not platform.tokens.exists()  # the hub's token for it is revoked
    assert not platform.parties.exists()


def test_hub_registration_refuses_an_id_used_by_another_platform(emsp_platform, party_server):
    party = FakeParty(party_server, roles=[("DE", "MSP", "NSP")])
    with pytest.raises(CommandError):
        call_command(
            "register_at_party", party.versions_url, "token-a", "--party", "DE:MSP:NSP",
            stdout=StringIO(),
        )  # fmt: skip
    assert list(Party.objects.by_id("DE", "MSP").values_list("role", flat=True)) == ["EMSP"]
