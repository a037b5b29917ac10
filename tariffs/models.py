"""The hub's latest copy of every CPO's Tariffs, as the JSON documents the CPOs pushed."""

from django.db import models

from hub.models import SharedQuerySet


class Tariff(models.Model):
    """One Tariff; `document` is served as stored. A DELETE removes the row."""

    country_code = models.CharField(max_length=2)
    party_id = models.CharField(max_length=3)
    tariff_id = models.CharField(max_length=36, help_text="Tariff.id, upper-cased (CiString)")
    document = models.JSONField()
    last_updated_at = models.DateTimeField(db_index=True, help_text="Parsed last_updated")
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Who may pull it: everyone once it was broadcast, else the parties it was pushed to.
    broadcast = models.BooleanField(default=False)
    recipients = models.ManyToManyField("parties.Party", blank=True, related_name="+")

    objects = SharedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "party_id", "tariff_id"], name="one_tariff_per_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.country_code}*{self.party_id} {self.document.get('id', self.tariff_id)}"
