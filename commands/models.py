"""Commands and charging-profile requests relayed through the hub.

The hub replaces each request's `response_url` with one of its own: the CPO has no
credentials at the eMSP, and every message goes through the hub (mod_commands is silent). One
`Command` row maps that URL back to the requester's original URL, and is also the log an admin
reads to follow a command from the eMSP's request to the CPO's asynchronous result.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from hub.endpoints import endpoint_url
from parties.models import Party


class Module(models.TextChoices):
    COMMANDS = "commands"
    CHARGINGPROFILES = "chargingprofiles"


class CommandType(models.TextChoices):
    CANCEL_RESERVATION = "CANCEL_RESERVATION"
    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"
    # Charging profiles: named after the request on the CPO's receiver interface.
    SET_CHARGING_PROFILE = "SET_CHARGING_PROFILE"  # PUT
    GET_ACTIVE_CHARGING_PROFILE = "GET_ACTIVE_CHARGING_PROFILE"  # GET
    CLEAR_CHARGING_PROFILE = "CLEAR_CHARGING_PROFILE"  # DELETE


class Outcome(models.TextChoices):
    """Where a command stands: the CPO's direct response, then the asynchronous result."""

    PENDING = "PENDING", "Pending (being forwarded)"
    # The hub could not get a response from the CPO (the eMSP got 4xxx).
    HUB_ERROR = "HUB_ERROR", "Not forwarded: hub error (4000)"
    CPO_TIMEOUT = "CPO_TIMEOUT", "CPO did not answer in time (4002)"
    CPO_UNREACHABLE = "CPO_UNREACHABLE", "CPO not connected (4003)"
    CPO_ERROR = "CPO_ERROR", "CPO answered with an OCPI error"
    # CommandResponseType / ChargingProfileResponseType.
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"
    TOO_OFTEN = "TOO_OFTEN"
    # CommandResultType / ChargingProfileResultType (ACCEPTED, REJECTED, NOT_SUPPORTED above).
    CANCELED_RESERVATION = "CANCELED_RESERVATION"
    EVSE_OCCUPIED = "EVSE_OCCUPIED"
    EVSE_INOPERATIVE = "EVSE_INOPERATIVE"
    FAILED = "FAILED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION"
    UNKNOWN = "UNKNOWN"


def new_command_id() -> str:
    """Opaque and unguessable: the id is the only secret in the hub's response URL."""
    return secrets.token_urlsafe(24)


class CommandQuerySet(models.QuerySet):
    def accepting_results(self) -> "CommandQuerySet":
        """Commands whose response URL still takes results."""
        return self.filter(expires_at__gt=timezone.now())

    def purgeable(self) -> "CommandQuerySet":
        """Expired commands past the log retention period."""
        retention = timedelta(days=settings.OCPI_COMMAND_LOG_DAYS)
        return self.filter(expires_at__lt=timezone.now() - retention)

    def reservation(self, requester: Party, reservation_id: str) -> "Command | None":
        """The latest RESERVE_NOW of this requester with this reservation_id."""
        return (
            self.filter(
                command=CommandType.RESERVE_NOW,
                requester=requester,
                reservation_id__iexact=reservation_id,
            )
            .exclude(cpo=None)
            .select_related("cpo__platform")
            .order_by("-created")
            .first()
        )

    def last_profile_setter(self, cpo: Party, session_id: str) -> Party | None:
        """The party whose charging profile the CPO last accepted on this session."""
        command = (
            self.filter(
                command=CommandType.SET_CHARGING_PROFILE,
                cpo=cpo,
                session_id__iexact=session_id,
                response_result=Outcome.ACCEPTED,
            )
            .select_related("requester__platform")
            .order_by("-created")
            .first()
        )
        return command.requester if command else None


class Command(models.Model):
    """One command or charging-profile request: its response-URL mapping and its log."""

    id = models.CharField(primary_key=True, max_length=64, default=new_command_id, editable=False)
    module = models.CharField(max_length=16, choices=Module.choices)
    command = models.CharField(max_length=32, choices=CommandType.choices)
    requester = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    cpo = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    response_url = models.URLField(max_length=255, help_text="The requester's original URL")
    correlation_id = models.CharField(max_length=100, db_index=True)
    reservation_id = models.CharField(max_length=36, blank=True, db_index=True)
    session_id = models.CharField(max_length=36, blank=True, db_index=True)
    request = models.JSONField(help_text="The request as the requester sent it")
    status_code = models.IntegerField(
        null=True, blank=True, help_text="OCPI status code the requester was answered with"
    )
    response = models.JSONField(null=True, blank=True, help_text="The CPO's direct response")
    response_result = models.CharField(max_length=32, blank=True)
    result = models.JSONField(null=True, blank=True, help_text="The last asynchronous result")
    result_delivery = models.CharField(
        max_length=200, blank=True, help_text="How the requester answered the relayed result"
    )
    outcome = models.CharField(
        max_length=32, choices=Outcome.choices, default=Outcome.PENDING, db_index=True
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(help_text="Results are refused after this moment")
    last_result_at = models.DateTimeField(null=True, blank=True)

    objects = CommandQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.command} {self.requester.ref} -> {self.cpo.ref} ({self.outcome})"

    @property
    def hub_response_url(self) -> str:
        """The URL the CPO is given instead of the requester's own."""
        return f"{endpoint_url(self.module, 'SENDER')}{self.id}"

    def extend_expiry(self, until: datetime) -> None:
        if until > self.expires_at:
            self.expires_at = until


def result_window() -> timedelta:
    return timedelta(seconds=settings.OCPI_COMMAND_RESULT_WINDOW)
