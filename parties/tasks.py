"""Still-alive checks (mod_hub_client_info), run by Celery workers on the background queue."""

import logging

from django.utils import timezone

from hub.celery import app
from hub.client import call
from parties.models import ConnectionStatus, Platform

logger = logging.getLogger(__name__)


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
