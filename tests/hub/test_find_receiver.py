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
