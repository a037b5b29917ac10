"""Delivery tasks. They take ids, claim their work in the database and are safe to run twice."""

from celery import shared_task
from django.conf import settings

from hub import delivery, retention
from hub.models import Delivery


@shared_task(acks_late=True, ignore_result=True)
def deliver_message(message_id: int) -> dict:
    """Send a message to its receivers (with anything else due for them).

    Pushes now wake `deliver_to_receiver`; this task remains for messages queued before.
    """
    outcomes: dict[str, int] = {}
    pending = Delivery.objects.pending().filter(message_id=message_id)
    for receiver_id in list(pending.values_list("receiver_id", flat=True)):
        for outcome, count in delivery.drain(receiver_id).items():
            outcomes[outcome] = outcomes.get(outcome, 0) + count
    return outcomes


@shared_task(acks_late=True, ignore_result=True)
def deliver_to_receiver(receiver_id: int) -> dict:
    """Send a receiver's due deliveries (what was committed before this task started, and
    what is committed while it sends: see `delivery.wake`)."""
    return delivery.drain(receiver_id)


@shared_task(ignore_result=True)
def sweep_deliveries() -> int:
    """Periodic: queue every receiver with due or stranded deliveries (lost tasks, dead workers)."""
    receiver_ids = delivery.due_receivers()
    delivery.wake(receiver_ids)
    return len(receiver_ids)


@shared_task(ignore_result=True)
def apply_retention() -> dict:
    """Periodic: delete old attempts and old finished messages, a bounded amount per run."""
    batch, batches = settings.HUB_RETENTION_BATCH_SIZE, settings.HUB_RETENTION_MAX_BATCHES
    return {
        "attempts": retention.purge_old_attempts(batch, batches),
        "messages": retention.purge_old_messages(batch, batches),
    }
