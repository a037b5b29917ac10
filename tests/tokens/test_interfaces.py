"""Tariffs and Tokens in the version details, in the admin, and in the message log."""

import pytest
from django.contrib.auth.models import User

from hub.models import Delivery
from tests.conftest import create_platform
from tests.tariffs.conftest import put as put_tariff
from tests.tariffs.conftest import tariff
from tests.tokens.conftest import emsp_client_for, put, token


def test_version_details_offer_both_interfaces_of_both_modules(cpo, settings):
    endpoints = cpo.client.get("/ocpi/2.2.1").json()["data"]["endpoints"]
    advertised = {(e["identifier"], e["role"]): e["url"] for e in endpoints}
    base = f"{settings.HUB_BASE_URL}/ocpi/2.2.1"
    for module in ("tariffs", "tokens"):
        assert advertised[(module, "SENDER")] == f"{base}/sender/{module}/"
        assert advertised[(module, "RECEIVER")] == f"{base}/receiver/{module}/"


def test_a_token_broadcast_reaches_cpos_only_never_another_emsp(db):
    for name, party in (("Other eMSP", ("FR", "OTH", "EMSP")), ("CPO B", ("BE", "CPB", "CPO"))):
        create_platform(name, [party], endpoints={("tokens", "RECEIVER"): "http://x.test/t/"})
    response = put(emsp_client_for("DE", "MSP"), "DE/MSP/04A1B2C3", token())
    assert response.status_code == 201
    assert list(Delivery.objects.values_list("receiver__party_id", flat=True)) == ["CPB"]


@pytest.fixture
def admin_client(client, db):
    User.objects.create_superuser("admin", "admin@example.com", "password")
    client.login(username="admin", password="password")
    return client


def test_the_admin_lists_and_searches_tokens_and_tariffs(admin_client, cpo):
    put(emsp_client_for("DE", "MSP"), "DE/MSP/04A1B2C3", token())
    put_tariff(cpo.client, "NL/CPO/T1", tariff())
    by_contract = admin_client.get("/admin/tokens/token/", {"q": "C12345"})
    by_uid = admin_client.get("/admin/tokens/token/", {"q": "04a1"})
    nothing = admin_client.get("/admin/tokens/token/", {"q": "ZZZ"})
    assert b"04A1B2C3" in by_contract.content and b"04A1B2C3" in by_uid.content
    assert b"04A1B2C3" not in nothing.content
    assert b"T1" in admin_client.get("/admin/tariffs/tariff/", {"party_id": "CPO"}).content
    messages = admin_client.get("/admin/hub/message/", {"module": "tokens"})
    assert b"04A1B2C3:RFID" in messages.content  # the object id names the type too
