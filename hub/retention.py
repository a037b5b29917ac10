"""Retention of the outbox: old finished messages (with their deliveries) and old attempts are
deleted in bounded batches by a periodic task, the only thing that deletes them (the admin
cannot). Billing data is never purged here: a CDR outlives its message (its link is cleared),
and a message with a delivery still pending or PARKED is kept whatever its age.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hub.models import Delivery, DeliveryAttempt, Message

KEPT = (Delivery.Status.PENDING, Delivery.Status.PARKED)


def purge_old_attempts(batch_size: int, max_batches: int) -> int:
    """Delete attempts older than HUB_RETENTION_ATTEMPT_DAYS; returns how many."""
    cutoff = timezone.now() - timedelta(days=settings.HUB_RETENTION_ATTEMPT_DAYS)
    old = DeliveryAttempt.objects.filter(started_at__lt=cutoff)
    return delete_in_batches(old, batch_size, max_batches)


def purge_old_messages(batch_size: int, max_batches: int) -> int:
    """Delete finished messages older than HUB_RETENTION_MESSAGE_DAYS, with their deliveries
    and attempts; returns how many messages."""
    cutoff = timezone.now() - timedelta(days=settings.HUB_RETENTION_MESSAGE_DAYS)
    finished = Message.objects.filter(created_at__lt=cutoff).exclude(deliveries__status__in=KEPT)
    return delete_in_batches(finished, batch_size, max_batches)  # deliveries, attempts with them


def delete_in_batches(queryset, batch_size: int, max_batches: int) -> int:
    """Delete the rows of `queryset` (and what cascades from them), `batch_size` at a time, in
    short transactions; stop after `max_batches` (the next run goes on). Returns how many."""
    deleted = 0
    for _ in range(max_batches):
        pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not pks:
            break
        with transaction.atomic():
            queryset.model.objects.filter(pk__in=pks).delete()
        deleted += len(pks)
    return deleted
