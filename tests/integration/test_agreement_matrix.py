"""Two CPOs and two eMSPs, where only some pairs may exchange some modules: every party's
received set, over real HTTP from a real worker, is exactly what the agreement matrix allows."""

import time
from types import SimpleNamespace

import pytest

from hub.models import Delivery
from tests.agreements.conftest import (
    agree,
    cdr_of,
    location_of,
    post_cdr,
    put_location,
    put_session,
    put_tariff,
    put_token,
    session_of,
    status_of,
    tariff_of,
    token_of,
)
from tests.conftest import create_platform, ocpi_client
from tests.integration.test_location_delivery import FAST, wait_until

pytestmark = pytest.mark.integration

CPOS = {"cpa": ("NL", "CPA"), "cpb": ("NL", "CPB")}
EMSPS = {"msa": ("DE", "MSA"), "msb": ("DE", "MSB")}
# The agreement matrix: CPB and MSA have none.
MATRIX = {
    ("cpa", "msa"): ("locations", "tariffs", "tokens", "sessions", "cdrs"),
    ("cpa", "msb"): ("locations",),
    ("cpb", "msb"): ("tariffs", "tokens", "sessions", "cdrs"),
}


def may(policy: str, cpo: str, emsp: str, module: str) -> bool:
    """The matrix read independently of the hub: an agreement decides; without one, the policy."""
    if (cpo, emsp) in MATRIX:
        return module in MATRIX[cpo, emsp]
    return policy == "open"


def start_party(party_server, name, country_code, party_id, role):
    server = party_server()
    receivers = ("tokens",) if role == "CPO" else ("locations", "tariffs", "sessions", "cdrs")
    endpoints = {(m, "RECEIVER"): f"{server.url}/ocpi/{m}/" for m in (*receivers, "hubclientinfo")}
    platform, token = create_platform(name, [(country_code, party_id, role)], endpoints=endpoints)
    return SimpleNamespace(
        name=name, server=server, party=platform.parties.get(), client=ocpi_client(token)
    )


def received(member) -> set[tuple[str, str]]:
    """(module, owner party_id) of every functional push the party's server got."""
    found = set()
    for request in member.server.received:
        module = request.path.split("/")[2]
        if module != "hubclientinfo":
            found.add((module, (request.json or {}).get("party_id")))
    return found


def clientinfo_seen(member) -> dict[str, str]:
    """The last ClientInfo status the party's server got for each described party."""
    seen = {}
    for request in member.server.received:
        if request.path.startswith("/ocpi/hubclientinfo/"):
            seen[request.json["party_id"]] = request.json["status"]
    return seen


@pytest.mark.parametrize("policy", ["agreements", "open"])
def test_every_party_receives_exactly_what_the_agreement_matrix_allows(
    celery_worker_process, party_server, settings, policy
):
    settings.HUB_ROAMING_POLICY = policy
    parties = {
        name: start_party(party_server, name, *ref, "CPO" if name in CPOS else "EMSP")
        for name, ref in {**CPOS, **EMSPS}.items()
    }
    celery_worker_process(extra_env={**FAST, "HUB_ROAMING_POLICY": policy})
    for (cpo, emsp), modules in MATRIX.items():
        agree(parties[cpo], parties[emsp], *modules)

    for cpo in CPOS:
        assert status_of(put_location(parties[cpo], location_of(parties[cpo]))) == 1000
        assert status_of(put_tariff(parties[cpo], tariff_of(parties[cpo]))) == 1000
    for emsp in EMSPS:
        assert status_of(put_token(parties[emsp], token_of(parties[emsp]))) == 1000
    for cpo in CPOS:
        for emsp in EMSPS:
            sid = f"S{emsp}"
            session = put_session(parties[cpo], session_of(parties[cpo], parties[emsp], sid))
            cdr = post_cdr(parties[cpo], cdr_of(parties[cpo], parties[emsp], f"CDR{emsp}"))
            allowed = may(policy, cpo, emsp, "sessions")
            assert status_of(session) == status_of(cdr) == (1000 if allowed else 4000)

    expected = {name: set() for name in parties}
    for cpo, (_, cpo_id) in CPOS.items():
        for emsp, (_, emsp_id) in EMSPS.items():
            for module in ("locations", "tariffs", "sessions", "cdrs"):
                if may(policy, cpo, emsp, module):
                    expected[emsp].add((module, cpo_id))
            if may(policy, cpo, emsp, "tokens"):
                expected[cpo].add(("tokens", emsp_id))
    wait_until(lambda: not Delivery.objects.filter(status="PENDING").exists(), timeout=60)
    time.sleep(1.0)  # sweeps and wake-ups: nothing more arrives

    assert {name: received(member) for name, member in parties.items()} == expected
    functional = Delivery.objects.exclude(message__module="hubclientinfo")
    assert set(functional.values_list("status", flat=True)) == {"DELIVERED"}
    client_infos = Delivery.objects.filter(message__module="hubclientinfo")
    assert set(client_infos.values_list("status", flat=True)) <= {"DELIVERED", "SUPERSEDED"}
    # HubClientInfo per pair: pairs with an agreement see each other CONNECTED; pairs without
    # are absent under "agreements" and CONNECTED under "open" (never about oneself).
    wait_until(lambda: clientinfo_seen(parties["msa"]).get("CPA") == "CONNECTED")
    if policy == "agreements":
        assert clientinfo_seen(parties["msa"]) == {"CPA": "CONNECTED"}
        assert clientinfo_seen(parties["cpb"]) == {"MSB": "CONNECTED"}
