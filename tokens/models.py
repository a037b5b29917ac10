"""The hub's latest copy of every eMSP's Tokens: the GET All store and the authorize index."""

from django.db import models
from django.db.models import Q

from hub.models import SharedQuerySet


class TokenQuerySet(SharedQuerySet):
    def visible_to(self, parties) -> "TokenQuerySet":
        """What these parties may pull: a CPO the broadcast Tokens and those pushed to it
        directly; an eMSP (or any other role) its own Tokens only."""
        cpos = [party for party in parties if party.role == "CPO"]
        visible = Q(pk__in=[])
        if cpos:
            visible |= Q(pk__in=self.shared_with(cpos).values("pk"))
        for party in parties:
            if party.role != "CPO":
                visible |= Q(country_code=party.country_code, party_id=party.party_id)
        return self.filter(visible)


class Token(models.Model):
    """One Token, keyed on (country_code, party_id, uid, type) (mod_tokens, Token Object)."""

    country_code = models.CharField(max_length=2)
    party_id = models.CharField(max_length=3)
    uid = models.CharField(max_length=36, help_text="Token.uid, upper-cased (CiString)")
    type = models.CharField(max_length=11, help_text="TokenType")
    contract_id = models.CharField(max_length=36, db_index=True)
    document = models.JSONField()
    last_updated_at = models.DateTimeField(db_index=True, help_text="Parsed last_updated")
    # Who may pull it: every CPO once it was broadcast, else the CPOs it was pushed to.
    broadcast = models.BooleanField(default=False)
    recipients = models.ManyToManyField("parties.Party", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "party_id", "uid", "type"], name="one_token_per_uid_type"
            )
        ]
        # Real-time authorization finds the owner of (uid, type) with this index.
        indexes = [models.Index(fields=["uid", "type"], name="token_uid_type")]

    def __str__(self) -> str:
        uid = self.document.get("uid", self.uid)
        return f"{self.country_code}*{self.party_id} {uid} ({self.type})"
