import json
import logging
import re

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.hub.urls")]
ECHO = "/ocpi/2.2.1/test/echo"
OCPI_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z")


def test_success_is_wrapped_in_the_envelope(cpo):
    body = cpo.client.put(ECHO, {"a": 1}, format="json").json()
    assert body["data"] == {"a": 1}
    assert body["status_code"] == 1000
    assert body["status_message"] == "Success"
    assert OCPI_DATETIME.fullmatch(body["timestamp"])
    assert len(body["timestamp"]) <= 25


def test_body_that_is_not_json_is_http_400(cpo):
    response = cpo.client.put(ECHO, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["status_code"] == 2000


def test_body_without_content_type_is_parsed_as_json(cpo):
    response = cpo.client.generic("PUT", ECHO, json.dumps({"b": 2}), content_type="")
    assert response.json()["data"] == {"b": 2}


def test_unexpected_error_is_3000_without_details(cpo, caplog):
    with caplog.at_level(logging.ERROR):
        response = cpo.client.put(
            ECHO, {"explode": True}, format="json", HTTP_X_REQUEST_ID="req-42"
        )
    assert response.status_code == 500
    body = response.json()
    assert body["status_code"] == 3000
    assert "req-42" in body["status_message"]
    assert "secret-value" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert any("req-42" in record.getMessage() for record in caplog.records)


def test_unknown_ocpi_url_is_404_in_the_envelope(cpo):
    response = cpo.client.get("/ocpi/2.2.1/no-such-module/x")
    assert response.status_code == 404
    assert response.json()["status_code"] == 2000


def test_method_not_offered_is_405(cpo):
    response = cpo.client.delete(ECHO)
    assert response.status_code == 405
    assert response.json()["status_code"] == 2000


@pytest.mark.parametrize("path", [ECHO + "/", "/ocpi//2.2.1/test//echo", "/ocpi/2.2.1/test/echo//"])
def test_missing_trailing_or_doubled_slashes_reach_the_same_view(cpo, path):
    assert cpo.client.get(path).json()["data"] == {"sender": "NL*CPO"}


def test_request_and_correlation_ids_are_echoed(cpo):
    response = cpo.client.get(ECHO, HTTP_X_REQUEST_ID="r-1", HTTP_X_CORRELATION_ID="c-1")
    assert response["X-Request-ID"] == "r-1"
    assert response["X-Correlation-ID"] == "c-1"


def test_missing_ids_are_generated(cpo):
    response = cpo.client.get(ECHO)
    assert re.fullmatch(r"[0-9a-f-]{36}", response["X-Request-ID"])
    assert response["X-Correlation-ID"]


def test_ids_are_echoed_on_errors_too(client, db):
    response = client.get(ECHO, HTTP_X_REQUEST_ID="r-2", HTTP_X_CORRELATION_ID="c-2")
    assert response.status_code == 401
    assert (response["X-Request-ID"], response["X-Correlation-ID"]) == ("r-2", "c-2")
