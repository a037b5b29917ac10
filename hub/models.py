"""The outbox: every accepted push (Message), one Delivery per receiving party, every attempt."""

import functools

from django.db import IntegrityError, models


def retry_on_conflict(action):
    """Run a write action once more when a concurrent request created the same object first.

    Two first PUTs of one object both find no row to lock, and the second insert violates the
    unique key: the action's own transaction (a savepoint when nested) is rolled back, and the
    second run finds the row and updates it, as if the requests had come one after the other.
    The action must do its writes inside its own `transaction.atomic()`: no extra savepoint
    is wrapped around it (two more statements on every push).
    """

    @functools.wraps(action)
    def run(*args, **kwargs):
        try:
            return action(*args, **kwargs)
        except IntegrityError:
            return action(*args, **kwargs)

    return run


class OwnedQuerySet(models.QuerySet):
    """Stored copies of client-owned objects, keyed by their owner's country_code/party_id."""

    def owned_by(self, country_code: str, party_id: str):
        """Objects of one party (CiString country_code/party_id)."""
        return self.filter(country_code=country_code.upper(), party_id=party_id.upper())


class SharedQuerySet(OwnedQuerySet):
    """Client-owned objects broadcast to everyone or pushed directly to some parties
    (`broadcast` and `recipients` fields)."""

    def shared_with(self, parties) -> "SharedQuerySet":
        """Objects broadcast, or pushed directly to one of these parties."""
        through = self.model.recipients.through
        direct = through.objects.filter(party__in=parties).values(
            f"{self.model._meta.model_name}_id"
        )
        return self.filter(models.Q(broadcast=True) | models.Q(pk__in=direct))

    def readable_by(self, parties, module: str) -> "SharedQuerySet":
        """What these parties may pull through GET All: shared with them, and of owners a
        roaming agreement (or the open policy) lets them exchange `module` with."""
        from agreements.policy import readable_owners

        return self.shared_with(parties).filter(readable_owners(parties, module))


class Message(models.Model):
    """A push the hub accepted: what a receiver gets, byte for byte, unless superseded."""

    module = models.CharField(max_length=32)  # ModuleID
    method = models.CharField(max_length=8)  # PUT, PATCH, POST, DELETE
    # The owner of the object: the URL keeps the original owner's country_code/party_id.
    owner_country_code = models.CharField(max_length=2)
    owner_party_id = models.CharField(max_length=3)
    object_id = models.CharField(max_length=64, help_text="Top-level object id (CiString, upper)")
    segments = models.JSONField(default=list, help_text="Path after {country_code}/{party_id}")
    body = models.BinaryField(help_text="The request body exactly as the sender sent it")
    correlation_id = models.CharField(max_length=100, blank=True)
    broadcast = models.BooleanField(
        default=False,
        help_text="Sent to every receiver: delivered with OCPI-from = the hub, not the sender",
    )
    sender = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="messages_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        path = "/".join([self.owner_country_code, self.owner_party_id, *self.segments])
        return f"{self.method} {self.module} {path}"

    @property
    def object_key(self) -> str:
        """Identifies one object across messages: newer versions supersede older ones."""
        return f"{self.module}:{self.owner_country_code}:{self.owner_party_id}:{self.object_id}"

    @property
    def is_full_object(self) -> bool:
        """Complete on its own: a PUT of the whole top-level object, a DELETE of it, or a POST."""
        return (self.method == "PUT" and len(self.segments) == 1) or self.method in (
            "DELETE",
            "POST",
        )


# A delivery still to be sent (the condition of the indexes claims use).
PENDING = models.Q(status="PENDING")


class DeliveryQuerySet(models.QuerySet):
    def pending(self) -> "DeliveryQuerySet":
        return self.filter(PENDING)


class Delivery(models.Model):
    """One message to one receiving party; claimed by one worker at a time."""

    class Status(models.TextChoices):
        PENDING = "PENDING"  # to be sent (first time or retry at next_attempt_at)
        DELIVERED = "DELIVERED"
        REJECTED = "REJECTED"  # the receiver refused it (HTTP 4xx or OCPI 2xxx): not retried
        SUPERSEDED = "SUPERSEDED"  # a newer version of the object replaced it before sending
        FAILED = "FAILED"  # retries exhausted (state objects: the receiver re-syncs by GET All)
        PARKED = "PARKED"  # retries exhausted for billing data: kept for an admin to re-deliver
        WITHHELD = "WITHHELD"  # the pair's roaming agreement no longer allows it: not sent

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    receiver = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="deliveries",
        db_index=False,  # every index below starts with the receiver
    )
    object_key = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    full_object = models.BooleanField(
        default=False,
        help_text="Sent as a PUT of the object stored at sending time (something before it "
        "did not reach the receiver, or an admin re-delivered it)",
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    retry_since = models.DateTimeField(help_text="Start of the retry budget (max age)")
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "deliveries"
        permissions = [("deliver_again", "Can deliver pushes again")]
        ordering = ["pk"]
        # Claims read only pending deliveries, which are a sliver of the table once it holds
        # the history: partial indexes keep each claim's cost to the rows it takes, whatever
        # the backlog or the history, and a finished delivery leaves them. Statements that
        # should use them say `status = 'PENDING'` as a literal (`hub.delivery.PENDING_SQL`): a
        # prepared statement's generic plan cannot use a partial index for a parameter.
        indexes = [
            models.Index(
                fields=["receiver", "id"], condition=PENDING, name="delivery_pending_order"
            ),
            # The older pending versions a claim supersedes (the index of every delivery by
            # object, below, would walk each object's whole history to find them).
            models.Index(
                fields=["receiver", "object_key", "id"],
                condition=PENDING,
                name="delivery_pending_object",
            ),
            # Deliveries under a claim (only pending ones are: an outcome clears the claim).
            models.Index(
                fields=["receiver", "claimed_until"],
                condition=models.Q(claimed_until__isnull=False),
                name="delivery_under_claim",
            ),
            # The receiver's previous delivery of an object, whatever became of it.
            models.Index(fields=["receiver", "object_key", "id"], name="delivery_object"),
        ]

    def __str__(self) -> str:
        return f"{self.message} -> {self.receiver} ({self.status})"


class DeliveryAttempt(models.Model):
    """One try to send a Delivery, with what came back."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField()
    method = models.CharField(max_length=8)
    url = models.CharField(max_length=500)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True, help_text="OCPI status_code")
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.method} {self.url} -> {self.http_status or self.error}"
