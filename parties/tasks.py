"""ClientInfo pushes and still-alive checks (mod_hub_client_info), run by Celery workers."""

import logging

from django.utils import timezone

from hub.celery import app
from hub.client import call, join_url
from parties.models import ConnectionStatus, Party, Platform

logger = logging.getLogger(__name__)


@app.task(acks_late=True)
def push_client_info(platform_id: int) -> str:
    """PUT the ClientInfo of a platform's parties to every connected platform that may see them.

    Each receiving platform is told the status from its own parties' point of view (roaming
    agreements, `client_info_audience`); a party is never told about itself. Sends the state
    at run time, so pushes queued for several quick changes converge on the latest status.
    Failed PUTs are not retried: ClientInfo is state a party can GET at any time.
    """
    platform = Platform.objects.filter(pk=platform_id).first()
    if platform is None:
        return "skipped"
    sent = failed = 0
    for receiver, party, status in client_info_audience(platform):
        base = receiver.endpoint_url("hubclientinfo", "RECEIVER")
        info = party.client_info(status)
        url = join_url(base, info["country_code"], info["party_id"])
        reply = call(receiver, "PUT", url, json_body=info)
        if reply.ok:
            sent += 1
        else:
            failed += 1
            logger.warning("ClientInfo push to %s refused: %s", receiver, reply.summary())
    return f"sent {sent}, failed {failed}"


def client_info_audience(platform: Platform) -> list[tuple[Platform, Party, str]]:
    """Who is told about the platform's parties: (receiving platform, described party, status
    shown), for every connected platform with a hubclientinfo RECEIVER that may see them."""
    from agreements.policy import client_infos_for

    described = list(platform.parties.live().select_related("platform"))
    receivers = Platform.objects.filter(status=ConnectionStatus.CONNECTED).prefetch_related(
        "endpoints"
    )
    audience = []
    for receiver in receivers:
        if receiver.endpoint_url("hubclientinfo", "RECEIVER") is None:
            continue
        shown = client_infos_for(list(receiver.parties.live()), described)
        audience += [(receiver, party, shown[party.pk]) for party in described if party.pk in shown]
    return audience


@app.task
def check_still_alive() -> int:
    """Queue a versions GET for each platform silent too long, and each OFFLINE one."""
    due = list(Platform.objects.due_for_still_alive().values_list("pk", flat=True))
    for platform_id in due:
        ping_platform.delay(platform_id)
    return len(due)


@app.task
def ping_platform(platform_id: int) -> str:
    """GET the platform's versions: OFFLINE when it fails, CONNECTED again when it answers."""
    from parties.actions import change_status

    platform = Platform.objects.filter(pk=platform_id).first()
    if platform is None or platform.status not in (
        ConnectionStatus.CONNECTED,
        ConnectionStatus.OFFLINE,
    ):
        return "skipped"
    reply = call(platform, "GET", platform.versions_url)
    if reply.ok:
        Platform.objects.filter(pk=platform_id).update(last_contact=timezone.now())
        changed = change_status(
            platform, ConnectionStatus.CONNECTED, only_from=[ConnectionStatus.OFFLINE]
        )
        return "connected-again" if changed else "alive"
    logger.warning("Still-alive check of %s failed: %s", platform, reply.summary())
    changed = change_status(
        platform, ConnectionStatus.OFFLINE, only_from=[ConnectionStatus.CONNECTED]
    )
    return "offline" if changed else "still-offline"
