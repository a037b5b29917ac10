"""Periodic work of roaming agreements, run by Celery beat."""

from agreements.actions import replay_started_agreements
from hub.celery import app


@app.task
def replay_started() -> int:
    """Send the current objects of agreements whose validity has just begun."""
    return replay_started_agreements()
