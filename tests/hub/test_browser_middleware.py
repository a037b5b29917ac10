"""The admin keeps its browser protections; OCPI calls go without them."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_admin_login_still_refuses_a_post_without_its_csrf_token_and_forbids_framing():
    User.objects.create_superuser("admin", "admin@example.com", "a-long-enough-password")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/admin/login/")
    assert page["X-Frame-Options"] == "DENY"
    assert "csrftoken" in page.cookies

    forged = browser.post(
        "/admin/login/", {"username": "admin", "password": "a-long-enough-password"}
    )
    assert forged.status_code == 403

    token = page.cookies["csrftoken"].value
    login = browser.post(
        "/admin/login/",
        {"username": "admin", "password": "a-long-enough-password", "csrfmiddlewaretoken": token},
    )
    assert login.status_code == 302 and "sessionid" in login.cookies
    assert browser.get("/admin/").status_code == 200


def test_an_ocpi_call_gets_no_session_cookie_or_frame_header(cpo):
    response = cpo.client.get("/ocpi/versions")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert not response.cookies
