"""Periodic work of roaming agreements, run by Celery beat."""

from agreements.actions import check_validity
from hub.celery import app


@app.task
def check_agreement_validity() -> str:
    """Agreements whose validity began or ended: replay and announce them."""
    started, expired = check_validity()
    return f"started {started}, expired {expired}"
