"""Outbox rows made directly, for the operator's views of them (metrics, dashboard, retention)."""

from datetime import timedelta

from django.utils import timezone

from hub.models import Delivery, DeliveryAttempt, Message
from parties.models import Party


def make_delivery(
    sender_platform,
    receiver_platform,
    *,
    module: str = "locations",
    status: str = Delivery.Status.PENDING,
    age_seconds: float = 0,
    attempt_ms: int | None = None,
    error: str = "",
) -> Delivery:
    """A message from the sender's party and its delivery to the receiver's, `age_seconds` old."""
    sender = Party.objects.filter(platform=sender_platform).first()
    receiver = Party.objects.filter(platform=receiver_platform).first()
    created = timezone.now() - timedelta(seconds=age_seconds)
    message = Message.objects.create(
        module=module,
        method="PUT",
        owner_country_code=sender.country_code,
        owner_party_id=sender.party_id,
        object_id="OBJ1",
        segments=["OBJ1"],
        body=b"{}",
        sender=sender,
    )
    delivery = Delivery.objects.create(
        message=message,
        receiver=receiver,
        object_key=message.object_key,
        status=status,
        next_attempt_at=created,
        retry_since=created,
        last_error=error,
        finished_at=None if status == Delivery.Status.PENDING else created,
    )
    # auto_now_add fields take "now" on create: set the age afterwards.
    Message.objects.filter(pk=message.pk).update(created_at=created)
    Delivery.objects.filter(pk=delivery.pk).update(created_at=created)
    if attempt_ms is not None:
        DeliveryAttempt.objects.create(
            delivery=delivery,
            started_at=created,
            method="PUT",
            url="http://127.0.0.1:9/x",
            http_status=200,
            duration_ms=attempt_ms,
        )
    delivery.refresh_from_db()
    return delivery
