from datetime import timedelta

from django.conf import settings
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils import timezone

from commands.models import Command, Module
from commands.tasks import purge_expired_commands
from parties.models import Party


def make_command(cpo, emsp, expires_in: timedelta, **fields) -> Command:
    return Command.objects.create(
        module=Module.COMMANDS,
        command="START_SESSION",
        requester=Party.objects.get(party_id="MSP"),
        cpo=Party.objects.get(party_id="CPO"),
        response_url="http://msp.test/r/1",
        correlation_id=fields.pop("correlation_id", "corr-1"),
        request={"response_url": "http://msp.test/r/1"},
        expires_at=timezone.now() + expires_in,
        **fields,
    )


def test_purge_deletes_only_commands_expired_beyond_the_retention(cpo, emsp):
    retention = timedelta(days=settings.OCPI_COMMAND_LOG_DAYS)
    live = make_command(cpo, emsp, timedelta(hours=1))
    recently_expired = make_command(cpo, emsp, -timedelta(hours=1))
    old = make_command(cpo, emsp, -retention - timedelta(hours=1))

    assert purge_expired_commands() == 1

    remaining = set(Command.objects.values_list("pk", flat=True))
    assert remaining == {live.pk, recently_expired.pk}
    assert old.pk not in remaining


def test_purge_is_scheduled():
    tasks = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "commands.tasks.purge_expired_commands" in tasks


def test_admin_follows_a_command_by_correlation_id(admin_client, cpo, emsp):
    make_command(cpo, emsp, timedelta(hours=1), correlation_id="corr-find-me", outcome="ACCEPTED")
    make_command(cpo, emsp, timedelta(hours=1), correlation_id="corr-other")

    page = admin_client.get("/admin/commands/command/", {"q": "corr-find-me"}).content.decode()

    assert "corr-find-me" in page and "corr-other" not in page
    filtered = admin_client.get("/admin/commands/command/", {"outcome": "ACCEPTED"})
    assert "corr-find-me" in filtered.content.decode()


def test_admin_detail_shows_no_credentials_token(admin_client, cpo, emsp):
    entry = make_command(cpo, emsp, timedelta(hours=1), result={"result": "ACCEPTED"})
    # (as the admin links it: a random id may hold "_3A", which the admin reads as ":")
    url = reverse("admin:commands_command_change", args=[quote(entry.pk)])
    page = admin_client.get(url).content.decode()
    assert "corr-1" in page and "http://msp.test/r/1" in page
    for secret in (cpo.token, emsp.token, cpo.outgoing_token, emsp.outgoing_token):
        assert secret not in page
