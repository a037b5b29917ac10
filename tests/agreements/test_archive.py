"""A role dropped from a platform's credentials is archived, never deleted, and can come back."""

from hub.models import Delivery
from parties.actions import sync_parties
from parties.models import Party
from tests.agreements.conftest import location_of, put_location, status_of


def role(country_code, party_id, role_name):
    return {
        "country_code": country_code,
        "party_id": party_id,
        "role": role_name,
        "business_details": {"name": "x"},
    }


def test_a_dropped_role_is_archived_with_its_deliveries_and_revived_when_it_returns(world):
    assert status_of(put_location(world.cpa, location_of(world.cpa))) == 1000
    platform = world.msa.platform
    pk = world.msa.party.pk

    sync_parties(platform, [role("DE", "MSC", "EMSP")])

    assert Party.objects.get(pk=pk).archived_at is not None
    assert Delivery.objects.filter(receiver_id=pk).count() == 1
    assert [p.party_id for p in platform.party_list()] == ["MSC"]

    sync_parties(platform, [role("DE", "MSA", "EMSP"), role("DE", "MSC", "EMSP")])

    assert Party.objects.get(pk=pk).archived_at is None
