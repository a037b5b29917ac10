from urllib.parse import parse_qs, quote, urlsplit

import pytest

from commands.models import Command, CommandType, Outcome
from tests.commands.conftest import CPO_PROFILES, EMSP_PROFILES, TO_CPO, path_of, store_session
from tests.conftest import create_platform, ocpi_client, url_on
from tests.servers import answering

RECEIVER = "/ocpi/2.2.1/receiver/chargingprofiles/"
SENDER = "/ocpi/2.2.1/sender/chargingprofiles/"
ORIGINAL = "https://msp.test/ocpi/2.2.1/chargingprofile/response?request_id=5678&x=a%2Fb"
PROFILE = {
    "charging_rate_unit": "W",
    "min_charging_rate": 1500.0,
    "charging_profile_period": [{"start_period": 0, "limit": 11000}],
}
PROFILE_RESPONSE = {
    "status_code": 1000,
    "timestamp": "x",
    "data": {"result": "ACCEPTED", "timeout": 30},
}
ACTIVE = {"start_date_time": "2024-03-01T10:00:00Z", "charging_profile": PROFILE}
ACCEPTED = (200, PROFILE_RESPONSE, {})
AT_CPO = path_of(CPO_PROFILES)


def set_profile(client, session_id="S1", response_url=ORIGINAL, **headers):
    body = {"charging_profile": PROFILE, "response_url": response_url}
    return client.put(f"{RECEIVER}{session_id}", body, format="json", **{**TO_CPO, **headers})


def test_put_goes_to_the_cpo_with_the_hubs_response_url(cpo, emsp, emsp_session, cpo_api):
    cpo_api.respond = answering(ACCEPTED)

    response = set_profile(emsp.client)

    assert response.json()["data"] == {"result": "ACCEPTED", "timeout": 30}
    assert cpo_api.requests() == [("PUT", f"{AT_CPO}S1")]
    forwarded = cpo_api.received[-1].json
    entry = Command.objects.get()
    assert forwarded == {"charging_profile": PROFILE, "response_url": entry.hub_response_url}
    assert "/sender/chargingprofiles/" in entry.hub_response_url
    assert (entry.command, entry.session_id, entry.response_url) == (
        CommandType.SET_CHARGING_PROFILE,
        "S1",
        ORIGINAL,
    )


def test_get_rewrites_the_encoded_response_url_in_the_query(cpo, emsp, emsp_session, cpo_api):
    cpo_api.respond = answering(ACCEPTED)

    response = emsp.client.get(
        f"{RECEIVER}S1?duration=900&response_url={quote(ORIGINAL, safe='')}", **TO_CPO
    )

    assert response.json()["status_code"] == 1000
    assert cpo_api.requests(query=False) == [("GET", f"{AT_CPO}S1")]
    sent = urlsplit(cpo_api.received[-1].path)
    entry = Command.objects.get()
    assert parse_qs(sent.query) == {"duration": ["900"], "response_url": [entry.hub_response_url]}
    assert entry.response_url == ORIGINAL
    assert entry.command == CommandType.GET_ACTIVE_CHARGING_PROFILE


def test_delete_rewrites_the_response_url(cpo, emsp, emsp_session, cpo_api):
    cpo_api.respond = answering(ACCEPTED)
    emsp.client.delete(f"{RECEIVER}S1?response_url={quote(ORIGINAL, safe='')}", **TO_CPO)
    assert cpo_api.requests(query=False) == [("DELETE", f"{AT_CPO}S1")]
    sent = parse_qs(urlsplit(cpo_api.received[-1].path).query)
    assert sent == {"response_url": [Command.objects.get().hub_response_url]}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("response_url=http%3A%2F%2Fmsp.test%2Fr", "duration: This field is required."),
        ("duration=soon&response_url=http%3A%2F%2Fmsp.test%2Fr", "duration: A valid integer"),
        ("duration=60", "response_url: This field is required."),
    ],
)
def test_get_needs_duration_and_response_url(cpo, emsp, cpo_api, emsp_api, query, message):
    response = emsp.client.get(f"{RECEIVER}S1?{query}", **TO_CPO)
    assert response.json()["status_code"] == 2001
    assert message in response.json()["status_message"]
    assert cpo_api.received == emsp_api.received == []


def test_invalid_profile_names_the_field(cpo, emsp):
    body = {"charging_profile": {**PROFILE, "charging_rate_unit": "kW"}, "response_url": ORIGINAL}
    response = emsp.client.put(f"{RECEIVER}S1", body, format="json", **TO_CPO)
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("charging_profile.charging_rate_unit:")


def test_open_routing_to_an_unknown_session_is_2001(cpo, emsp, cpo_api, emsp_api):
    response = emsp.client.put(
        f"{RECEIVER}S1", {"charging_profile": PROFILE, "response_url": ORIGINAL}, format="json"
    )
    assert response.json()["status_code"] == 2001
    assert "session S1" in response.json()["status_message"]
    assert cpo_api.received == emsp_api.received == []


def test_an_scsp_may_set_profiles(cpo, cpo_api):
    cpo_api.respond = answering(ACCEPTED)
    _, scsp_token = create_platform("SCSP", [("NL", "SCS", "SCSP")])
    store_session(("NL", "SCS"))
    response = set_profile(ocpi_client(scsp_token))
    assert response.json()["status_code"] == 1000
    assert cpo_api.requests() == [("PUT", f"{AT_CPO}S1")]


def test_result_is_relayed_and_answered_without_data(cpo, emsp, emsp_session, cpo_api, emsp_api):
    cpo_api.respond = answering(ACCEPTED)
    set_profile(emsp.client, response_url=url_on(emsp_api, ORIGINAL))
    entry = Command.objects.get()
    emsp_api.respond = answering(
        (200, {"status_code": 1000, "timestamp": "x", "data": {"surplus": True}}, {})
    )

    response = cpo.client.post(
        urlsplit(entry.hub_response_url).path, {"result": "ACCEPTED"}, format="json"
    )

    assert response.json()["status_code"] == 1000
    assert "data" not in response.json()
    assert emsp_api.requests() == [("POST", path_of(ORIGINAL))]
    assert emsp_api.received[-1].json == {"result": "ACCEPTED"}
    entry.refresh_from_db()
    assert entry.outcome == Outcome.ACCEPTED


def test_active_profile_result_is_validated(cpo, emsp, emsp_session, cpo_api):
    cpo_api.respond = answering(ACCEPTED)
    emsp.client.get(f"{RECEIVER}S1?duration=60&response_url=http://msp.test/r", **TO_CPO)
    entry = Command.objects.get()
    response = cpo.client.post(
        urlsplit(entry.hub_response_url).path,
        {"result": "ACCEPTED", "profile": {"charging_profile": PROFILE}},
        format="json",
    )
    assert response.json()["status_code"] == 2001
    assert "profile.start_date_time: This field is required." in response.json()["status_message"]


def test_profile_update_goes_to_the_last_party_that_set_one(
    cpo, emsp, emsp_session, cpo_api, emsp_api
):
    cpo_api.respond = answering(ACCEPTED)
    set_profile(emsp.client)
    emsp_api.respond = answering((200, {"status_code": 1000, "timestamp": "x"}, {}))

    response = cpo.client.put(f"{SENDER}S1", ACTIVE, format="json")

    assert response.json()["status_code"] == 1000
    assert "data" not in response.json()
    assert emsp_api.requests() == [("PUT", f"{path_of(EMSP_PROFILES)}S1")]
    sent = emsp_api.received[-1]
    assert sent.json == ACTIVE
    assert (sent.header("OCPI-to-country-code"), sent.header("OCPI-to-party-id")) == ("DE", "MSP")


def test_profile_update_without_a_known_setter_needs_ocpi_to(cpo, emsp):
    response = cpo.client.put(f"{SENDER}S1", ACTIVE, format="json")
    assert response.json()["status_code"] == 2001
    assert "OCPI-to headers required" in response.json()["status_message"]


def test_profile_update_by_ocpi_to(cpo, emsp, emsp_api):
    emsp_api.respond = answering((200, {"status_code": 1000}, {}))
    response = cpo.client.put(
        f"{SENDER}S2",
        ACTIVE,
        format="json",
        HTTP_OCPI_TO_COUNTRY_CODE="DE",
        HTTP_OCPI_TO_PARTY_ID="MSP",
    )
    assert response.json()["status_code"] == 1000
    assert emsp_api.requests() == [("PUT", f"{path_of(EMSP_PROFILES)}S2")]


def test_profile_of_another_emsps_session_is_refused_with_ocpi_to(cpo, emsp, cpo_api, emsp_api):
    store_session(("FR", "OTH"))
    response = set_profile(emsp.client)  # OCPI-to: NL*CPO
    assert response.json()["status_code"] == 2001
    assert cpo_api.received == emsp_api.received == []
    assert not Command.objects.exists()
