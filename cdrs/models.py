"""The hub's copy of every CDR, and what Sessions and CDRs share: one eMSP each, private."""

import uuid

from django.db import models
from django.db.models import Q

from hub.models import OwnedQuerySet
from parties.models import Role

# Who receives Sessions and CDRs: the party owning the driver's token (spec: eMSP, SCSP).
EMSP_ROLES = (Role.EMSP, Role.SCSP, Role.OTHER, Role.NSP)


class PrivateQuerySet(OwnedQuerySet):
    def visible_to(self, parties) -> "PrivateQuerySet":
        """What these parties may read: an eMSP (or SCSP, OTHER...) its own
        sessions/CDRs, a CPO those it owns; nobody anything else."""
        allowed = Q(pk__in=[])
        for party in parties:
            if party.role == Role.CPO:
                allowed |= Q(country_code=party.country_code, party_id=party.party_id)
            elif party.role in EMSP_ROLES:
                allowed |= Q(emsp_country_code=party.country_code, emsp_party_id=party.party_id)
        return self.filter(allowed)


class PrivateObject(models.Model):
    """A CPO's object that goes to one eMSP only: keys, routing and the pushed JSON."""

    country_code = models.CharField(max_length=2, help_text="Owner (CPO)")
    party_id = models.CharField(max_length=3, help_text="Owner (CPO)")
    emsp_country_code = models.CharField("eMSP country code", max_length=2)
    emsp_party_id = models.CharField("eMSP party id", max_length=3, db_index=True)
    document = models.JSONField()
    start_date_time = models.DateTimeField(db_index=True)
    end_date_time = models.DateTimeField(null=True, blank=True)
    last_updated_at = models.DateTimeField(db_index=True, help_text="Parsed last_updated")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PrivateQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def owner(self) -> str:
        return f"{self.country_code}*{self.party_id}"

    @property
    def emsp(self) -> str:
        return f"{self.emsp_country_code}*{self.emsp_party_id}"


class Cdr(PrivateObject):
    """One CDR as the CPO POSTed it; never changed (corrections are Credit CDRs)."""

    cdr_id = models.CharField("CDR id", max_length=39, help_text="CDR.id, upper-cased (CiString)")
    uid = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, help_text="In the hub's Location URL"
    )
    credit = models.BooleanField(default=False)
    credit_reference_id = models.CharField(max_length=39, blank=True)
    message = models.OneToOneField(
        "hub.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="cdr"
    )
    emsp_location = models.CharField(
        "eMSP Location",
        max_length=255,
        blank=True,
        help_text="Location header of the eMSP's answer to the delivered POST",
    )

    class Meta:
        verbose_name = "CDR"
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "party_id", "cdr_id"], name="one_cdr_per_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.document.get('id', self.cdr_id)}"
