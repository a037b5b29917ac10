import pytest

from tests.conftest import create_platform, ocpi_client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.hub.urls")]
ECHO = "/ocpi/2.2.1/test/echo"


def from_headers(country_code, party_id):
    return {"HTTP_OCPI_FROM_COUNTRY_CODE": country_code, "HTTP_OCPI_FROM_PARTY_ID": party_id}


@pytest.fixture
def two_party_platform(db):
    _platform, token = create_platform("White label", [("NL", "AAA", "CPO"), ("BE", "BBB", "CPO")])
    return ocpi_client(token)


def test_from_headers_select_the_party_case_insensitively(two_party_platform):
    response = two_party_platform.get(ECHO, **from_headers("be", "bbb"))
    assert response.json()["data"] == {"sender": "BE*BBB"}


def test_sole_party_is_inferred_without_headers(cpo):
    assert cpo.client.get(ECHO).json()["data"] == {"sender": "NL*CPO"}


def test_several_parties_without_headers_is_2001(two_party_platform):
    body = two_party_platform.get(ECHO).json()
    assert body["status_code"] == 2001
    assert "OCPI-from" in body["status_message"]


def test_from_naming_another_platforms_party_is_refused(cpo, emsp):
    response = cpo.client.get(ECHO, **from_headers("DE", "MSP"))
    assert response.status_code == 403
    assert response.json()["status_code"] == 2001


def test_from_party_with_a_role_not_allowed_here_is_refused(emsp):
    # The echo interface takes CPO senders only; the eMSP's own party is not one.
    response = emsp.client.get(ECHO, **from_headers("DE", "MSP"))
    assert response.json()["status_code"] == 2001


def test_half_a_header_pair_is_2001(cpo):
    body = cpo.client.get(ECHO, HTTP_OCPI_FROM_COUNTRY_CODE="NL").json()
    assert body["status_code"] == 2001
    assert "OCPI-from-party-id" in body["status_message"]


def test_over_long_header_value_is_2001(cpo):
    body = cpo.client.get(ECHO, **from_headers("NLD", "CPO")).json()
    assert body["status_code"] == 2001
    assert "OCPI-from-country-code" in body["status_message"]


def test_routing_headers_are_ignored_on_configuration_modules(cpo):
    response = cpo.client.get("/ocpi/versions", **from_headers("XX", "???"))
    assert response.json()["status_code"] == 1000


def test_hub_answers_carry_to_the_requester_and_from_the_hub(two_party_platform, settings):
    response = two_party_platform.get(ECHO, **from_headers("be", "bbb"))
    assert (response["OCPI-to-country-code"], response["OCPI-to-party-id"]) == ("BE", "BBB")
    assert (response["OCPI-from-country-code"], response["OCPI-from-party-id"]) == (
        settings.HUB_COUNTRY_CODE,
        settings.HUB_PARTY_ID,
    )


def test_sole_party_is_addressed_on_errors_too(cpo):
    response = cpo.client.get(ECHO, HTTP_OCPI_FROM_COUNTRY_CODE="NL")  # 2001: half a pair
    assert (response["OCPI-to-country-code"], response["OCPI-to-party-id"]) == ("NL", "CPO")
