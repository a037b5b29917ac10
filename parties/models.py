"""Platforms (one OCPI connection each), their parties, tokens and discovered endpoints."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from hub.types import format_datetime


class Role(models.TextChoices):
    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"


class ConnectionStatus(models.TextChoices):
    CONNECTED = "CONNECTED"
    OFFLINE = "OFFLINE"
    PLANNED = "PLANNED"
    SUSPENDED = "SUSPENDED"


class InterfaceRole(models.TextChoices):
    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


def new_token() -> str:
    """A credentials token: 43 printable, non-whitespace ASCII characters (spec: string(64))."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PlatformQuerySet(models.QuerySet):
    def due_for_still_alive(self) -> "PlatformQuerySet":
        """Registered platforms silent for HUB_STILL_ALIVE_SILENCE, and every OFFLINE one."""
        silent_since = timezone.now() - timedelta(seconds=settings.HUB_STILL_ALIVE_SILENCE)
        silent = models.Q(last_contact__lt=silent_since) | models.Q(last_contact=None)
        return (
            self.filter(
                models.Q(status=ConnectionStatus.CONNECTED) & silent
                | models.Q(status=ConnectionStatus.OFFLINE)
            )
            .exclude(versions_url="")
            .exclude(outgoing_token="")
        )


class Platform(models.Model):
    """One OCPI connection to the hub: a CPO or eMSP backend hosting one or more parties."""

    name = models.CharField(max_length=100)
    versions_url = models.URLField(max_length=255, blank=True)
    version = models.CharField(max_length=10, blank=True, help_text="Negotiated OCPI version")
    status = models.CharField(
        max_length=10, choices=ConnectionStatus.choices, default=ConnectionStatus.PLANNED
    )
    last_contact = models.DateTimeField(null=True, blank=True)
    # The token the hub presents to this platform; kept so the hub can use it, never logged.
    outgoing_token = models.CharField(max_length=64, blank=True)
    send_token_raw = models.BooleanField(
        default=False, help_text="Send the token without Base64 (OCPI 2.1.1/2.2 peers)"
    )
    registration_note = models.TextField(
        blank=True, help_text="Outcome of the last credentials exchange, for the admin"
    )
    registration_noted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlatformQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # DRF treats the authenticated platform as request.user.
    is_authenticated = True

    @property
    def is_connected(self) -> bool:
        return self.status == ConnectionStatus.CONNECTED

    def endpoint_url(self, identifier: str, role: str) -> str | None:
        """The URL this platform advertised for a module interface, or None."""
        for endpoint in self.endpoints.all():
            if endpoint.identifier == identifier and endpoint.role == role:
                return endpoint.url
        return None

    def note_registration(self, outcome: str) -> None:
        """Record the outcome of a credentials exchange (shown in the admin)."""
        self.registration_note = outcome[:2000]
        self.registration_noted_at = timezone.now()
        if self.pk:
            Platform.objects.filter(pk=self.pk).update(
                registration_note=self.registration_note,
                registration_noted_at=self.registration_noted_at,
            )

    @property
    def is_registered(self) -> bool:
        """The credentials exchange is done: the platform holds an access token."""
        return self.tokens.filter(kind=PlatformToken.Kind.ACCESS).exists()

    def party_list(self) -> list["Party"]:
        """This platform's parties, loaded once per instance."""
        if not hasattr(self, "_party_list"):
            self._party_list = list(self.parties.all())
        return self._party_list

    def find_party(self, country_code: str, party_id: str, roles=None) -> "Party | None":
        """One of this platform's parties by CiString country_code/party_id (and role)."""
        country_code, party_id = country_code.upper(), party_id.upper()
        for party in self.party_list():
            if (party.country_code, party.party_id) == (country_code, party_id) and (
                roles is None or party.role in roles
            ):
                return party
        return None


class PlatformTokenQuerySet(models.QuerySet):
    def for_token(self, token: str) -> "PlatformToken | None":
        """The live token record matching a presented token (looked up by hash)."""
        digest = hash_token(token)
        found = self.select_related("platform").filter(token_hash=digest).first()
        if found is not None and hmac.compare_digest(found.token_hash, digest):
            return found
        return None


class PlatformToken(models.Model):
    """A token a platform presents to the hub, stored hashed: the hub only verifies it."""

    class Kind(models.TextChoices):
        REGISTRATION = "A", "Token A (registration only)"
        ACCESS = "C", "Access token"

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="tokens")
    kind = models.CharField(max_length=1, choices=Kind.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlatformTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.platform}"

    @classmethod
    def issue(cls, platform: Platform, kind: str) -> str:
        """Create a token of this kind for the platform and return its plain value, once."""
        token = new_token()
        cls.objects.create(platform=platform, kind=kind, token_hash=hash_token(token))
        return token


class Endpoint(models.Model):
    """A module interface a platform advertised in its version details."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="endpoints")
    identifier = models.CharField(max_length=32)
    role = models.CharField(max_length=8, choices=InterfaceRole.choices)
    url = models.URLField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "identifier", "role"], name="one_url_per_interface"
            )
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.role}"


class PartyQuerySet(models.QuerySet):
    def by_id(self, country_code: str, party_id: str) -> "PartyQuerySet":
        """Parties with this CiString country_code/party_id (any role)."""
        return self.filter(country_code=country_code.upper(), party_id=party_id.upper())

    def connected(self) -> "PartyQuerySet":
        return self.filter(platform__status=ConnectionStatus.CONNECTED)


class Party(models.Model):
    """A party (country_code, party_id, role) hosted on a platform."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="parties")
    country_code = models.CharField(max_length=2)
    party_id = models.CharField(max_length=3)
    role = models.CharField(max_length=5, choices=Role.choices)
    business_details = models.JSONField(default=dict, blank=True)
    last_updated = models.DateTimeField(default=timezone.now)

    objects = PartyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "parties"
        ordering = ["country_code", "party_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "party_id", "role"], name="unique_party_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.country_code}*{self.party_id} ({self.role})"

    def save(self, *args, **kwargs):
        self.country_code = self.country_code.upper()
        self.party_id = self.party_id.upper()
        super().save(*args, **kwargs)

    @property
    def ref(self) -> tuple[str, str]:
        return (self.country_code, self.party_id)

    @property
    def status(self) -> str:
        return self.platform.status

    def client_info(self) -> dict:
        """The ClientInfo object of this party (mod_hub_client_info)."""
        return {
            "party_id": self.party_id,
            "country_code": self.country_code,
            "role": self.role,
            "status": self.platform.status,
            "last_updated": format_datetime(self.last_updated),
        }


def hub_ref() -> tuple[str, str]:
    """The hub's own (country_code, party_id)."""
    return (settings.HUB_COUNTRY_CODE, settings.HUB_PARTY_ID)
