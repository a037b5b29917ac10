"""The receivers of a broadcast (selected in SQL) are exactly the parties the agreement rule
allows, whatever the agreement's status, modules and validity window, under both policies."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agreements.policy import may_exchange
from hub import delivery
from tests.agreements.conftest import agree

HOUR = timedelta(hours=1)
TERMS = {
    "none": None,
    "active": {"modules": ("locations", "tokens")},
    "other modules": {"modules": ("tariffs",)},
    "suspended": {"modules": ("locations", "tokens"), "status": "SUSPENDED"},
    "planned": {"modules": ("locations", "tokens"), "status": "PLANNED"},
    "ended": {"modules": ("locations", "tokens"), "status": "ENDED"},
    "not yet valid": {"modules": ("locations", "tokens"), "valid_from": +HOUR},
    "expired": {"modules": ("locations", "tokens"), "valid_until": -HOUR},
    "within its window": {
        "modules": ("locations", "tokens"),
        "valid_from": -HOUR,
        "valid_until": +HOUR,
    },
}


@pytest.mark.parametrize("terms", TERMS)
def test_broadcast_receivers_follow_the_agreement_rule(world, policy, terms):
    if TERMS[terms] is not None:
        options = dict(TERMS[terms])
        modules = options.pop("modules")
        for field in ("valid_from", "valid_until"):
            if field in options:
                options[field] = timezone.now() + options[field]
        agree(world.cpa, world.msa, *modules, **options)
    cpa, msa, msb = world.cpa.party, world.msa.party, world.msb.party

    emsps = {p.pk for p in delivery.receivers("locations", cpa, None)} & {msa.pk, msb.pk}
    assert emsps == {p.pk for p in (msa, msb) if may_exchange(cpa, p, "locations")}
    # The other direction: an eMSP's Token broadcast to the CPOs.
    cpos = {p.pk for p in delivery.receivers("tokens", msa, None)} & {cpa.pk}
    assert cpos == ({cpa.pk} if may_exchange(msa, cpa, "tokens") else set())
