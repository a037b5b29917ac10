"""Admin actions with effects outside the database each need a named permission: a staff user
who may only view sees the pages but can take none of them."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement
from hub.models import Delivery, Message
from parties.models import ConnectionStatus, Platform, PlatformToken

PLATFORMS = reverse("admin:parties_platform_changelist")
DELIVERIES = reverse("admin:hub_delivery_changelist")
CDRS = reverse("admin:cdrs_cdr_changelist")


def staff_client(client, *permissions: str):
    user = User.objects.create_user("operator", password="x", is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return client


@pytest.fixture
def viewer(client, db):
    """A staff user with view (and change) permissions only."""
    return staff_client(
        client, "view_platform", "change_platform", "view_party", "view_delivery", "view_cdr"
    )


@pytest.fixture
def delivery(cpo, emsp):
    message = Message.objects.create(
        module="locations", method="PUT", owner_country_code="NL", owner_party_id="CPO",
        object_id="LOC1", body=b"{}", sender=cpo.parties.get(),
    )  # fmt: skip
    return Delivery.objects.create(
        message=message,
        receiver=emsp.parties.get(),
        status=Delivery.Status.FAILED,
        next_attempt_at=timezone.now(),
        retry_since=timezone.now(),
    )


def test_viewer_sees_platforms_without_the_invite_and_register_links(viewer, cpo):
    page = viewer.get(PLATFORMS)
    assert page.status_code == 200
    assert "CPO platform" in page.content.decode()
    assert reverse("admin:parties_platform_invite") not in page.content.decode()
    assert reverse("admin:parties_platform_register") not in page.content.decode()


def test_viewer_cannot_invite_or_register(viewer):
    invite = viewer.post(
        reverse("admin:parties_platform_invite"), {"name": "X", "parties": "NL:NEW:CPO"}
    )
    register = viewer.post(
        reverse("admin:parties_platform_register"),
        {"versions_url": "http://127.0.0.1:1/versions", "token_a": "a", "parties": ""},
    )
    assert (invite.status_code, register.status_code) == (403, 403)
    assert not Platform.objects.filter(name="X").exists()


@pytest.mark.parametrize(
    "action",
    ["suspend", "reinstate", "issue_token_a", "rotate_credentials", "check_alive", "offboard"],
)
def test_viewer_cannot_take_platform_actions(viewer, cpo, action):
    tokens = set(PlatformToken.objects.values_list("token_hash", flat=True))
    viewer.post(PLATFORMS, {"action": action, "_selected_action": [cpo.pk]})
    assert Platform.objects.get(pk=cpo.pk).status == ConnectionStatus.CONNECTED
    assert set(PlatformToken.objects.values_list("token_hash", flat=True)) == tokens
    assert action not in viewer.get(PLATFORMS).content.decode()


def test_viewer_cannot_deliver_again(viewer, delivery):
    viewer.post(DELIVERIES, {"action": "deliver_again", "_selected_action": [delivery.pk]})
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.FAILED
    assert "deliver_again" not in viewer.get(DELIVERIES).content.decode()
    assert "deliver_again" not in viewer.get(CDRS).content.decode()


def test_a_permission_allows_exactly_its_action(client, cpo, django_capture_on_commit_callbacks):
    operator = staff_client(client, "view_platform", "suspend_platform")
    page = operator.get(PLATFORMS).content.decode()
    assert 'value="suspend"' in page and 'value="reinstate"' not in page
    with django_capture_on_commit_callbacks():
        operator.post(PLATFORMS, {"action": "suspend", "_selected_action": [cpo.pk]})
    assert Platform.objects.get(pk=cpo.pk).status == ConnectionStatus.SUSPENDED


def test_viewer_cannot_change_roaming_agreements(client, cpo, emsp):
    viewer = staff_client(client, "view_agreement")
    matrix = reverse("admin:agreements_agreement_matrix")
    assert viewer.get(matrix).status_code == 200
    pair = {"action": "activate", "cpo": cpo.parties.get().pk, "partner": emsp.parties.get().pk}
    assert viewer.post(matrix, pair).status_code == 403
    csv = SimpleUploadedFile("a.csv", b"cpo,partner,status,modules\n")
    imported = viewer.post(reverse("admin:agreements_agreement_import"), {"file": csv})
    assert imported.status_code == 403
    assert not Agreement.objects.exists()
    page = viewer.get(reverse("admin:agreements_agreement_changelist")).content.decode()
    assert 'value="activate"' not in page
