"""Still-alive checks (mod_hub_client_info): silent platforms are pinged on their versions."""

from datetime import timedelta

from django.utils import timezone

from parties.models import ConnectionStatus, Platform
from parties.tasks import ping_platform
from tests.conftest import announced_statuses, create_platform
from tests.fake_party import FakeParty


def platform_at(party, status=ConnectionStatus.CONNECTED, name="CPO platform"):
    platform, _ = create_platform(name, [("NL", name[:3].upper(), "CPO")], status=status)
    Platform.objects.filter(pk=platform.pk).update(versions_url=party.versions_url)
    return platform


def test_due_are_silent_connected_and_all_offline_platforms(db, settings, party_server):
    settings.HUB_STILL_ALIVE_SILENCE = 300
    party = FakeParty(party_server)
    silent = platform_at(party, name="silent")
    recent = platform_at(party, name="recent")
    offline = platform_at(party, ConnectionStatus.OFFLINE, name="offline")
    platform_at(party, ConnectionStatus.SUSPENDED, name="suspended")
    Platform.objects.filter(pk=silent.pk).update(last_contact=timezone.now() - timedelta(minutes=6))
    Platform.objects.filter(pk=offline.pk).update(last_contact=timezone.now())
    Platform.objects.filter(pk=recent.pk).update(last_contact=timezone.now())

    due = set(Platform.objects.due_for_still_alive().values_list("name", flat=True))

    assert due == {"silent", "offline"}


def test_answering_platform_stays_connected(client_info_listener, db, party_server):
    party = FakeParty(party_server)
    platform = platform_at(party)
    assert ping_platform(platform.pk) == "alive"
    assert party.received[0].path == "/ocpi/versions"
    assert party.received[0].headers["Authorization"].startswith("Token ")
    assert Platform.objects.get(pk=platform.pk).last_contact is not None
    assert announced_statuses() == []


def test_silent_platform_goes_offline_then_connected_again(client_info_listener, db, party_server):
    party = FakeParty(party_server)
    platform = platform_at(party)
    party.server.stop()

    assert ping_platform(platform.pk) == "offline"
    assert ping_platform(platform.pk) == "still-offline"
    assert Platform.objects.get(pk=platform.pk).status == ConnectionStatus.OFFLINE
    assert announced_statuses() == ["OFFLINE"]

    party.server.start()
    assert ping_platform(platform.pk) == "connected-again"
    assert Platform.objects.get(pk=platform.pk).status == ConnectionStatus.CONNECTED
    assert announced_statuses() == ["OFFLINE", "CONNECTED"]


def test_suspended_platform_is_not_pinged(db, party_server):
    party = FakeParty(party_server)
    platform = platform_at(party, ConnectionStatus.SUSPENDED)
    assert ping_platform(platform.pk) == "skipped"
    assert party.received == []
