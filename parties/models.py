"""Platforms (one OCPI connection each), their parties, tokens and discovered endpoints."""

import functools
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
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


class ValidationPolicy(models.TextChoices):
    """How the hub treats a platform's spec violations (docs/validation.md)."""

    LENIENT = "LENIENT", "Lenient: refuse only what the hub cannot route, store or merge"
    STRICT = "STRICT", "Strict: refuse every spec violation with 2001"


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
    rate_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Requests per second this platform may make (empty: the hub's default, "
        "HUB_RATE_LIMIT)",
    )
    realtime_rate_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Requests per second for real-time authorization and commands, counted "
        "apart from the rest (empty: HUB_RATE_LIMIT_REALTIME)",
    )
    validation_policy = models.CharField(
        max_length=8, choices=ValidationPolicy.choices, default=ValidationPolicy.LENIENT
    )
    registration_note = models.TextField(
        blank=True, help_text="Outcome of the last credentials exchange, for the admin"
    )
    registration_noted_at = models.DateTimeField(null=True, blank=True)
    max_in_flight = models.PositiveSmallIntegerField(
        "requests in flight",
        default=32,
        validators=[MinValueValidator(1), MaxValueValidator(64)],
        help_text="Deliveries sent to this platform at the same time (different objects)",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlatformQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # Admin actions with effects beyond this database: each needs its own permission, so
        # a staff user who may view (or edit names) cannot take them.
        permissions = [
            ("invite_platform", "Can invite a platform (issues a Token A)"),
            ("register_at_party", "Can register the hub at a party"),
            ("suspend_platform", "Can suspend a platform"),
            ("reinstate_platform", "Can reinstate a platform"),
            ("rotate_credentials", "Can rotate a platform's credentials"),
            ("issue_token_a", "Can issue a new Token A"),
            ("check_still_alive", "Can check a platform is still alive"),
            ("check_platform", "Can run the platform check (GETs of its endpoints)"),
            ("offboard_platform", "Can offboard a platform"),
        ]

    def __str__(self) -> str:
        return self.name

    # DRF treats the authenticated platform as request.user.
    is_authenticated = True

    @property
    def is_connected(self) -> bool:
        return self.status == ConnectionStatus.CONNECTED

    # Set when the endpoints came with the query that found the platform (`find_receiver`).
    preloaded_endpoint_urls: dict[tuple[str, str], str] | None = None

    def endpoint_url(self, identifier: str, role: str) -> str | None:
        """The URL this platform advertised for a module interface, or None."""
        if self.preloaded_endpoint_urls is not None:
            return self.preloaded_endpoint_urls.get((identifier, role))
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
            self._party_list = list(self.parties.live())
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


class Deviation(models.Model):
    """One kind of spec violation seen from a platform: the deviation ledger.

    Kept per (platform, module, direction, field, rule) with a count, so an operator can show
    a party what to fix without reading logs.
    """

    class Direction(models.TextChoices):
        SENT = "SENT", "In what the platform sent to the hub"
        ANSWERED = "ANSWERED", "In the platform's answer to the hub"

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="deviations")
    module = models.CharField(max_length=32)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    field = models.CharField(max_length=200, help_text="Field path; [] stands for any index")
    rule = models.CharField(max_length=300, help_text="The rule the value breaks")
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    example_request_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "module", "direction", "field", "rule"],
                name="one_ledger_row_per_deviation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.module} {self.field}: {self.rule}"


class PlatformCheck(models.Model):
    """The report of one platform check (parties.platform_check), problem by problem."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="checks")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    requests = models.PositiveIntegerField(default=0)
    # [{"check": "...", "ok": bool, "detail": "..."}], in the order they ran
    results = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Check of {self.platform} at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def problems(self) -> list[dict]:
        return [result for result in self.results if not result["ok"]]


class PlatformTokenQuerySet(models.QuerySet):
    def for_token(self, token: str) -> "PlatformToken | None":
        """The live token record matching a presented token (looked up by hash), with its
        platform and the platform's parties (`party_list()`), in one statement."""
        digest = hash_token(token)
        rows = joined_rows(
            self.db,
            (PlatformToken, Platform, Party),
            f"""FROM {table(PlatformToken)} t0
            JOIN {table(Platform)} t1 ON t1.id = t0.platform_id
            LEFT JOIN {table(Party)} t2 ON t2.platform_id = t1.id AND t2.archived_at IS NULL
            WHERE t0.token_hash = %s
            ORDER BY t2.country_code, t2.party_id, t2.role""",
            [digest],
        )
        if not rows or not hmac.compare_digest(rows[0][0].token_hash, digest):
            return None
        found, platform = rows[0][0], rows[0][1]
        found.platform = platform
        platform._party_list = [party for _, _, party in rows if party is not None]
        for party in platform._party_list:
            party.platform = platform
        return found


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
        """Live parties with this CiString country_code/party_id (any role)."""
        return self.live().filter(country_code=country_code.upper(), party_id=party_id.upper())

    def live(self) -> "PartyQuerySet":
        """Parties not archived: the only ones traffic goes to or comes from."""
        return self.filter(archived_at=None)

    def claimed_elsewhere(self, country_code: str, party_id: str, platform_id) -> "PartyQuerySet":
        """Parties with this country_code/party_id on another platform, in any role: one
        (country_code, party_id) belongs to one platform, as the hub keys data on it."""
        return self.by_id(country_code, party_id).exclude(platform_id=platform_id)

    def connected(self) -> "PartyQuerySet":
        return self.live().filter(platform__status=ConnectionStatus.CONNECTED)

    def with_endpoints(
        self, country_code: str, party_id: str, roles, joined=None
    ) -> "Party | None":
        """The first party by this id and one of `roles`, with its platform and the platform's
        endpoints (`endpoint_url` then asks no more), in one statement (from the whole table:
        filters of this queryset do not apply).

        `joined`: (model, condition, params) of one more table LEFT JOINed as t3 on the party
        t0, so a caller's own lookup about the party costs no statement of its own; its row
        (None without one) is the party's `joined_row`.
        """
        roles = list(roles)
        placeholders = ", ".join(["%s"] * len(roles))  # portable: SQLite has no ANY(array)
        models_, join, join_params = (Party, Platform, Endpoint), "", []
        if joined is not None:
            model, condition, join_params = joined
            models_, join = (*models_, model), f"LEFT JOIN {table(model)} t3 ON {condition}"
        rows = joined_rows(
            self.db,
            models_,
            f"""FROM {table(Party)} t0
            JOIN {table(Platform)} t1 ON t1.id = t0.platform_id
            LEFT JOIN {table(Endpoint)} t2 ON t2.platform_id = t1.id
            {join}
            WHERE t0.country_code = %s AND t0.party_id = %s AND t0.role IN ({placeholders})
            AND t0.archived_at IS NULL
            ORDER BY t0.country_code, t0.party_id, t0.role""",
            [*join_params, country_code.upper(), party_id.upper(), *roles],
        )
        if not rows:
            return None
        party, platform = rows[0][0], rows[0][1]
        party.platform = platform
        platform.preloaded_endpoint_urls = {
            (row[2].identifier, row[2].role): row[2].url
            for row in rows
            if row[2] is not None and row[0].pk == party.pk
        }
        if joined is not None:
            party.joined_row = next((row[3] for row in rows if row[0].pk == party.pk), None)
        return party


class Party(models.Model):
    """A party (country_code, party_id, role) hosted on a platform."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="parties")
    country_code = models.CharField(max_length=2)
    party_id = models.CharField(max_length=3)
    role = models.CharField(max_length=5, choices=Role.choices)
    business_details = models.JSONField(default=dict, blank=True)
    last_updated = models.DateTimeField(default=timezone.now)
    # Deleting a party archives it: its messages, deliveries and command logs stay readable.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PartyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "parties"
        ordering = ["country_code", "party_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "party_id", "role"],
                condition=models.Q(archived_at=None),
                name="unique_live_party_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.country_code}*{self.party_id} ({self.role})"

    def save(self, *args, **kwargs):
        self.country_code = self.country_code.upper()
        self.party_id = self.party_id.upper()
        super().save(*args, **kwargs)

    def clean(self):
        other = Party.objects.claimed_elsewhere(self.country_code, self.party_id, self.platform_id)
        if other.exists():
            raise ValidationError(
                f"{self.country_code.upper()}*{self.party_id.upper()} is used by platform "
                f"{other.first().platform}: a country code and party id belong to one platform"
            )

    @property
    def ref(self) -> tuple[str, str]:
        return (self.country_code, self.party_id)

    @property
    def status(self) -> str:
        return self.platform.status

    def client_info(self, status: str | None = None) -> dict:
        """The ClientInfo object of this party (mod_hub_client_info); `status` as shown to
        the receiving party (default: its platform's connection status)."""
        return {
            "party_id": self.party_id,
            "country_code": self.country_code,
            "role": self.role,
            "status": status or self.platform.status,
            "last_updated": format_datetime(self.last_updated),
        }


def hub_ref() -> tuple[str, str]:
    """The hub's own (country_code, party_id)."""
    return (settings.HUB_COUNTRY_CODE, settings.HUB_PARTY_ID)


# The two lookups of every routed request (the caller's token, the receiver) are written in SQL:
# the ORM spent more time composing them than PostgreSQL answering (docs/performance.md).


def table(model) -> str:
    return connections["default"].ops.quote_name(model._meta.db_table)


def joined_rows(db: str, models_: tuple, sql_from: str, params: list, extra: str = "") -> list:
    """Run `SELECT <every column of each model><extra> <sql_from>` (tables aliased t0, t1, ...)
    and return one tuple of instances per row (None for a LEFT JOIN's missing side), followed
    by the values of `extra` (", <expression>, ..."), as read."""
    columns, readers = _select_list(db, models_)
    with connections[db].cursor() as cursor:
        cursor.execute(f"SELECT {columns}{extra} {sql_from}", params)
        raw_rows = cursor.fetchall()
    rows = []
    for raw in raw_rows:
        row, start = [], 0
        for model, attnames, converters in readers:
            end = start + len(attnames)
            values = raw[start:end]
            start = end
            row.append(
                None if values[0] is None else _build(db, model, attnames, converters, values)
            )
        rows.append((*row, *raw[start:]))
    return rows


@functools.cache
def _select_list(db: str, models_: tuple) -> tuple[str, list]:
    """The column list of `models_` and, per model, its attnames and each field's converters:
    the same for every statement, and composing them cost more than running the statement."""
    connection = connections[db]
    columns = ", ".join(
        f"t{index}.{connection.ops.quote_name(field.column)}"
        for index, model in enumerate(models_)
        for field in model._meta.concrete_fields
    )
    readers = []
    for model in models_:
        fields = model._meta.concrete_fields
        # As the ORM's compiler does: the backend's converters (e.g. SQLite's datetimes), then
        # the field's own.
        converters = [
            [
                (converter, field.cached_col)
                for converter in connection.ops.get_db_converters(field.cached_col)
                + field.get_db_converters(connection)
            ]
            for field in fields
        ]
        readers.append((model, [field.attname for field in fields], converters))
    return columns, readers


def _build(db: str, model, attnames: list[str], converters: list, values):
    connection = connections[db]
    converted = []
    for value, field_converters in zip(values, converters, strict=True):
        for converter, column in field_converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(db, attnames, converted)
