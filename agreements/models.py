"""Roaming agreements: which modules a CPO and an eMSP-type party exchange, and since when.

An agreement is one pair of parties (a CPO and its partner: EMSP, NSP, OTHER, NAP or SCSP), the
functional modules it covers, a status and an optional validity window. Every change is kept as
an `AgreementChange` holding the agreement's state after the change, so the hub can tell what
was allowed at any past moment (billing data of a session follows the state at its start).
"""

from datetime import datetime

from django.db import models
from django.db.models import Q

from parties.models import Party, Role

# The routed modules an agreement can cover (terminology: Functional Modules).
MODULES = ("locations", "tariffs", "tokens", "sessions", "cdrs", "commands", "chargingprofiles")
# Sessions and CDRs of a session that started under an agreement are always delivered.
BILLING_MODULES = ("sessions", "cdrs")
PARTNER_ROLES = (Role.EMSP, Role.NSP, Role.OTHER, Role.NAP, Role.SCSP)


class AgreementStatus(models.TextChoices):
    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    ENDED = "ENDED"


class AgreementTerms(models.Model):
    """What an agreement says: the fields an agreement and each of its history rows share."""

    modules = models.JSONField(default=list, blank=True, help_text="ModuleIDs covered")
    status = models.CharField(
        max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.PLANNED
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True, help_text="Exclusive")

    class Meta:
        abstract = True

    def allows(self, module: str, at: datetime) -> bool:
        """These terms let `module` flow at moment `at`."""
        return (
            self.status == AgreementStatus.ACTIVE
            and module in self.modules
            and (self.valid_from is None or self.valid_from <= at)
            and (self.valid_until is None or at < self.valid_until)
        )

    def terms(self) -> dict:
        return {
            "status": self.status,
            "modules": sorted(self.modules),
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }


class AgreementQuerySet(models.QuerySet):
    def involving(self, parties) -> "AgreementQuerySet":
        """Agreements one of these parties is a side of."""
        pks = [party.pk for party in parties]
        return self.filter(Q(cpo_id__in=pks) | Q(partner_id__in=pks))

    def between(self, a: Party, b: Party) -> "AgreementQuerySet":
        """The agreement of this pair, whichever side each party is."""
        return self.filter(Q(cpo=a, partner=b) | Q(cpo=b, partner=a))


class Agreement(AgreementTerms):
    """The roaming agreement of one CPO and one partner; one per pair, changed in place."""

    cpo = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="agreements_as_cpo",
        limit_choices_to={"role": Role.CPO, "archived_at": None},
        verbose_name="CPO",
    )
    partner = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="agreements_as_partner",
        limit_choices_to={"role__in": PARTNER_ROLES, "archived_at": None},
        help_text="The eMSP-type side: EMSP, NSP, OTHER, NAP or SCSP",
    )
    replayed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the receivers last got the current objects it newly allowed",
    )
    expiry_announced_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the pair was told (ClientInfo) that valid_until had passed",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["cpo", "partner"]
        constraints = [
            models.UniqueConstraint(fields=["cpo", "partner"], name="one_agreement_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.cpo} - {self.partner} ({self.status})"

    def other(self, party: Party) -> Party:
        return self.partner if party.pk == self.cpo_id else self.cpo

    def other_id(self, party: Party) -> int:
        return self.partner_id if party.pk == self.cpo_id else self.cpo_id

    def terms_at(self, at: datetime) -> "AgreementTerms | None":
        """The terms in force at `at` (None: the agreement did not exist yet)."""
        return self.changes.filter(changed_at__lte=at).order_by("-changed_at", "-pk").first()


class AgreementChange(AgreementTerms):
    """One change of an agreement: who, when, what, and the terms after it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(db_index=True)
    changed_by = models.CharField(max_length=150, help_text="Admin user, or the tool used")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d %H:%M} {self.changed_by}: {self.description}"
