from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from hub.endpoints import OCPI_ENDPOINTS

pytestmark = pytest.mark.django_db


def test_versions_lists_2_2_1(cpo, settings):
    body = cpo.client.get("/ocpi/versions").json()
    assert body["data"] == [{"version": "2.2.1", "url": f"{settings.HUB_BASE_URL}/ocpi/2.2.1"}]


def test_version_details_list_every_routed_interface(cpo):
    data = cpo.client.get("/ocpi/2.2.1").json()["data"]
    assert data["version"] == "2.2.1"
    advertised = {(e["identifier"], e["role"]) for e in data["endpoints"]}
    assert advertised == {(e.identifier, e.role) for e in OCPI_ENDPOINTS}


def resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def test_every_advertised_url_resolves(cpo):
    # A sender's list is at the URL itself; a receiver's objects lie below it.
    for endpoint in cpo.client.get("/ocpi/2.2.1").json()["data"]["endpoints"]:
        path = urlsplit(endpoint["url"]).path
        assert path.endswith("/"), "advertised with a trailing slash for concatenating peers"
        probes = [
            path.rstrip("/"),
            f"{path}A",
            f"{path}A/B",
            f"{path}NL/ABC/X",
            f"{path}NL/ABC/X/Y",
        ]
        assert any(resolves(probe) for probe in probes), endpoint


def test_sender_and_receiver_of_a_module_have_distinct_urls(cpo):
    endpoints = cpo.client.get("/ocpi/2.2.1").json()["data"]["endpoints"]
    urls = [e["url"] for e in endpoints]
    assert len(urls) == len(set(urls))


def test_versions_need_a_token(client, db):
    assert client.get("/ocpi/versions").status_code == 401


def test_openapi_schema_and_offline_swagger_ui_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/ocpi/versions" in schema.content
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert b"cdn." not in page.content  # assets come from the hub itself (sidecar)
