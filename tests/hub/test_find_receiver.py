import pytest

from hub import status
from hub.exceptions import OCPIError
from hub.proxy import find_receiver
from hub.routing import PartyRef
from tests.conftest import create_platform

pytestmark = pytest.mark.django_db


def test_the_receiver_comes_with_its_platform_and_endpoints(django_assert_num_queries):
    create_platform("Other", [("DE", "OTH", "EMSP")], {("tokens", "SENDER"): "http://other/t"})
    create_platform(
        "eMSP",
        [("DE", "MSP", "EMSP"), ("DE", "MSP", "CPO")],
        {("tokens", "SENDER"): "http://msp/tokens", ("sessions", "RECEIVER"): "http://msp/s"},
    )
    with django_assert_num_queries(1):
        party = find_receiver(PartyRef("de", "msp"), ("EMSP",))
        assert party.role == "EMSP"
        assert party.platform.name == "eMSP"
        assert party.platform.endpoint_url("tokens", "SENDER") == "http://msp/tokens"
        assert party.platform.endpoint_url("sessions", "RECEIVER") == "http://msp/s"
        assert party.platform.endpoint_url("tokens", "RECEIVER") is None


def test_a_platform_without_endpoints_has_no_url():
    create_platform("Bare", [("DE", "MSP", "EMSP")])
    assert find_receiver(PartyRef("DE", "MSP"), ("EMSP",)).platform.endpoint_url("x", "y") is None


def test_an_unknown_receiver_is_4001():
    create_platform("eMSP", [("DE", "MSP", "EMSP")])
    with pytest.raises(OCPIError) as raised:
        find_receiver(PartyRef("DE", "XXX"), ("EMSP",))
    assert raised.value.status_code == status.UNKNOWN_RECEIVER


def test_a_known_party_in_another_role_is_4000_not_4001():
    """4001 means no such party; a party that exists cannot take the request: 4000."""
    create_platform("eMSP", [("DE", "MSP", "EMSP")])
    with pytest.raises(OCPIError) as raised:
        find_receiver(PartyRef("DE", "MSP"), ("CPO",))
    assert raised.value.status_code == status.HUB_ERROR
    assert "DE*MSP" in raised.value.message


@pytest.mark.parametrize("policy", ["open", "agreements"])
@pytest.mark.parametrize(
    ("agreement", "allowed"),
    [
        (None, {"open": True, "agreements": False}),
        (("ACTIVE", ["tokens"]), {"open": True, "agreements": True}),
        (("ACTIVE", ["locations"]), {"open": False, "agreements": False}),
        (("SUSPENDED", ["tokens"]), {"open": False, "agreements": False}),
    ],
)
def test_with_the_sender_the_pairs_agreement_comes_in_the_same_statement(
    settings, django_assert_num_queries, policy, agreement, allowed
):
    """The authorization path asks once for the receiver and the agreement, and the answer is
    the one the separate agreement query gives."""
    from agreements.models import Agreement
    from agreements.policy import may_exchange
    from parties.models import Party

    settings.HUB_ROAMING_POLICY = policy
    cpo_platform, _ = create_platform("CPO", [("NL", "CPO", "CPO")])
    create_platform("eMSP", [("DE", "MSP", "EMSP")], {("tokens", "SENDER"): "http://msp/t"})
    create_platform("Other", [("DE", "OTH", "EMSP")])
    cpo = cpo_platform.parties.get()
    other = Party.objects.get(party_id="OTH")
    Agreement.objects.create(cpo=cpo, partner=other, status="ACTIVE", modules=["tokens"])
    if agreement is not None:
        status_, modules = agreement
        emsp = Party.objects.get(party_id="MSP")
        Agreement.objects.create(cpo=cpo, partner=emsp, status=status_, modules=modules)
    with django_assert_num_queries(1):
        receiver = find_receiver(PartyRef("DE", "MSP"), ("EMSP",), cpo)
        assert receiver.platform.endpoint_url("tokens", "SENDER") == "http://msp/t"
        assert may_exchange(cpo, receiver, "tokens") is allowed[policy]
    fresh = Party.objects.get(party_id="MSP")  # no agreement with it: the separate query
    assert may_exchange(cpo, fresh, "tokens") is allowed[policy]


def test_the_preloaded_agreement_is_only_the_senders():
    """Asked from another party's side, the agreement is looked up, not taken from the
    receiver's row (which holds the sender's)."""
    from agreements.models import Agreement
    from agreements.policy import may_exchange
    from parties.models import Party

    cpo_platform, _ = create_platform("CPO", [("NL", "CPO", "CPO")])
    create_platform("CPO2", [("NL", "CP2", "CPO")])
    create_platform("eMSP", [("DE", "MSP", "EMSP")])
    cpo, cpo2 = cpo_platform.parties.get(), Party.objects.get(party_id="CP2")
    emsp = Party.objects.get(party_id="MSP")
    Agreement.objects.create(cpo=cpo2, partner=emsp, status="SUSPENDED", modules=["tokens"])
    receiver = find_receiver(PartyRef("DE", "MSP"), ("EMSP",), cpo)
    assert may_exchange(cpo, receiver, "tokens") is True
    assert may_exchange(cpo2, receiver, "tokens") is False
