"""Periodic upkeep of the command log (scheduled in CELERY_BEAT_SCHEDULE)."""

from hub.celery import app

from . import actions


@app.task
def purge_expired_commands() -> int:
    """Delete commands expired longer ago than OCPI_COMMAND_LOG_DAYS."""
    return actions.purge_expired_commands()
