"""Use cases of the parties app; each owns its transaction."""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from hub import delivery, status
from hub.client import call
from hub.endpoints import versions_url as hub_versions_url
from hub.exceptions import OCPIError, flatten_errors, invalid
from parties import client_info
from parties.discovery import RegistrationError, discover, require_modules, save_endpoints
from parties.models import ConnectionStatus, Party, Platform, PlatformToken, Role
from parties.serializers import validate_credentials


def hub_credentials(token: str) -> dict:
    """The hub's Credentials object: it lists only itself, role HUB (credentials.asciidoc)."""
    return {
        "token": token,
        "url": hub_versions_url(),
        "roles": [
            {
                "role": Role.HUB,
                "party_id": settings.HUB_PARTY_ID,
                "country_code": settings.HUB_COUNTRY_CODE,
                "business_details": {"name": settings.HUB_NAME},
            }
        ],
    }


@transaction.atomic
def invite_platform(name: str, parties: list[tuple[str, str, str]]) -> tuple[Platform, str]:
    """Create a PLANNED platform allowed to register these (country_code, party_id, role).

    Returns the platform and its Token A, which is shown once and stored only hashed.
    """
    platform = Platform.objects.create(name=name)
    for country_code, party_id, role in parties:
        Party.objects.create(
            platform=platform, country_code=country_code, party_id=party_id, role=role
        )
    client_info.announce(platform)  # PLANNED parties are announced too
    return platform, PlatformToken.issue(platform, PlatformToken.Kind.REGISTRATION)


@transaction.atomic
def reissue_token_a(platform: Platform) -> str:
    """A new Token A for an unregistered platform; earlier ones stop working.

    Issuing it invites the platform again: a suspended one becomes PLANNED (a suspended
    platform's tokens, Token A included, are refused).
    """
    platform.tokens.filter(kind=PlatformToken.Kind.REGISTRATION).delete()
    change_status(platform, ConnectionStatus.PLANNED, only_from=[ConnectionStatus.SUSPENDED])
    return PlatformToken.issue(platform, PlatformToken.Kind.REGISTRATION)


def change_status(platform: Platform, new_status: str, only_from=None) -> bool:
    """Set the platform's status; when it changed, its ClientInfo is pushed.

    A platform that becomes CONNECTED also gets the ClientInfo of every other party, and the
    billing data parked while it was away.
    """
    with transaction.atomic():
        rows = Platform.objects.filter(pk=platform.pk).exclude(status=new_status)
        if only_from is not None:
            rows = rows.filter(status__in=only_from)
        changed = rows.update(status=new_status) > 0
        if changed:
            platform.status = new_status
            platform.parties.update(last_updated=timezone.now())
            client_info.announce(platform)
            if new_status == ConnectionStatus.CONNECTED:
                client_info.introduce(platform)
                delivery.resume_parked(platform)
    return changed


NOT_SUSPENDED = [ConnectionStatus.PLANNED, ConnectionStatus.OFFLINE, ConnectionStatus.CONNECTED]


def suspend_platform(platform: Platform) -> bool:
    """Admin: stop all traffic with the platform; its access token is refused meanwhile."""
    return change_status(platform, ConnectionStatus.SUSPENDED)


def reinstate_platform(platform: Platform) -> bool:
    """Admin: lift a suspension (CONNECTED when registered; the still-alive check corrects it)."""
    target = ConnectionStatus.CONNECTED if platform.is_registered else ConnectionStatus.PLANNED
    return change_status(platform, target, only_from=[ConnectionStatus.SUSPENDED])


# The hub as receiver of a credentials exchange (the party calls the hub).


def check_roles_allowed(platform: Platform, roles: list[dict]) -> None:
    """2001 unless every role is one of the parties the platform was invited to register."""
    allowed = {(p.country_code, p.party_id, p.role) for p in platform.parties.all()}
    for index, role in enumerate(roles):
        key = (role["country_code"], role["party_id"], role["role"])
        if key in allowed:
            continue
        where = "is registered by another platform"
        if not Party.objects.by_id(key[0], key[1]).filter(role=key[2]).exists():
            where = "is not among the parties this platform may register (ask the hub admin)"
        raise invalid(f"roles[{index}]: {key[0]}*{key[1]} {key[2]} {where}")


def accept_credentials(
    platform: Platform, credentials: dict, *, method: str, presented: PlatformToken
) -> str:
    """Register (POST) or update (PUT) a platform from its Credentials; returns its new token.

    The token the platform presented (A, or its old access token) stops working; the new one
    is valid from the answer on. Raises OCPIError (2001) or RegistrationError (3xxx), after
    which nothing is stored and the presented token still works.
    """
    roles = credentials["roles"]
    check_roles_allowed(platform, roles)
    try:
        discovery = discover(platform, credentials["url"], credentials["token"])
        require_modules(discovery, {role["role"] for role in roles})
    except RegistrationError as error:
        platform.note_registration(f"{method} credentials refused ({error.status_code}): {error}")
        raise
    with transaction.atomic():
        locked = Platform.objects.select_for_update().filter(pk=platform.pk).first()
        if locked.status == ConnectionStatus.SUSPENDED:  # suspended during the exchange
            raise OCPIError(status.CLIENT_ERROR, "Platform is suspended", http_status=401)
        if not PlatformToken.objects.filter(pk=presented.pk).exists():
            # a concurrent exchange with the same token finished first
            raise OCPIError(status.CLIENT_ERROR, "Token already used", http_status=401)
        platform.tokens.all().delete()
        token = PlatformToken.issue(platform, PlatformToken.Kind.ACCESS)
        platform.outgoing_token = credentials["token"]
        platform.save(update_fields=["outgoing_token"])
        save_endpoints(platform, discovery)
        sync_parties(platform, roles)
        if not change_status(platform, ConnectionStatus.CONNECTED, only_from=NOT_SUSPENDED):
            client_info.announce(platform)  # roles or details may have changed
            if platform.status != ConnectionStatus.SUSPENDED:
                delivery.resume_parked(platform)  # an endpoint may be back
        platform.note_registration(
            f"{method} credentials accepted: version {discovery.version}, "
            f"{len(discovery.endpoints)} endpoints, roles {describe_roles(roles)}"
        )
    return token


def sync_parties(platform: Platform, roles: list[dict]) -> None:
    """Make the platform's parties exactly its Credentials roles (inside a transaction)."""
    kept = []
    for role in roles:
        party, _ = Party.objects.update_or_create(
            platform=platform,
            country_code=role["country_code"],
            party_id=role["party_id"],
            role=role["role"],
            defaults={
                "business_details": role["business_details"],
                "last_updated": timezone.now(),
                "archived_at": None,
            },
        )
        kept.append(party.pk)
    # Roles dropped are archived, not deleted: their messages and logs stay readable.
    platform.parties.live().exclude(pk__in=kept).update(archived_at=timezone.now())


def unregister_platform(platform: Platform) -> None:
    """Credentials DELETE: revoke its tokens, forget the hub's token for it, SUSPENDED."""
    with transaction.atomic():
        platform.tokens.all().delete()
        platform.outgoing_token = ""
        platform.save(update_fields=["outgoing_token"])
        change_status(platform, ConnectionStatus.SUSPENDED)
        platform.note_registration("Unregistered by the platform (credentials DELETE)")


def describe_roles(roles: list[dict]) -> str:
    return ", ".join(f"{r['country_code']}*{r['party_id']} {r['role']}" for r in roles)


# The hub as sender of a credentials exchange (the hub calls the party).


@dataclass
class Outcome:
    """What a hub-initiated exchange did, step by step, for the admin or the command line."""

    report: Callable[[str], None] = lambda line: None
    ok: bool = False
    platform: Platform | None = None
    steps: list[str] = field(default_factory=list)

    def step(self, line: str) -> None:
        self.steps.append(line)
        self.report(line)

    def fail(self, line: str) -> "Outcome":
        self.step(f"FAILED: {line}")
        if self.platform is not None and self.platform.pk:
            self.platform.note_registration(f"Registration at the party failed: {line}")
        return self


def _ensure_no_transaction() -> None:
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("must run outside a transaction: the party calls back during it")


def register_at_party(
    versions_url: str,
    token_a: str,
    name: str = "",
    report=lambda line: None,
    parties: list[tuple[str, str, str]] = (),
) -> Outcome:
    """Register the hub at a party that gave it its versions URL and a Token A.

    The party may register only roles the admin approved: `parties` (country_code, party_id,
    role), and those of the platform if it was invited before.

    The hub's token for the party is committed before the POST, because the party calls the
    hub's versions with it while the POST is still open.
    """
    _ensure_no_transaction()
    outcome = Outcome(report=report)
    platform = (
        Platform.objects.filter(versions_url=versions_url)
        .exclude(status__in=[ConnectionStatus.CONNECTED, ConnectionStatus.OFFLINE])
        .first()
    ) or Platform(name=name or urlsplit(versions_url).netloc, versions_url=versions_url)
    outcome.platform = platform
    if platform.status == ConnectionStatus.SUSPENDED:
        return outcome.fail(f"{platform} is suspended: reinstate it first; nothing was sent")
    outcome.step(f"GET {versions_url} with the party's Token A")
    try:
        discovery = discover(platform, versions_url, token_a)
        require_modules(discovery, set())
    except RegistrationError as error:
        return outcome.fail(f"{error} (status {error.status_code}); nothing was sent")
    outcome.step(f"Version {discovery.version}: {len(discovery.endpoints)} endpoints found")

    with transaction.atomic():
        platform.save()
        save_endpoints(platform, discovery)
        token = PlatformToken.issue(platform, PlatformToken.Kind.ACCESS)
    credentials_url = platform.endpoint_url("credentials", "SENDER")
    outcome.step(f"POST {credentials_url} with the hub's credentials")
    reply = call(platform, "POST", credentials_url, json_body=hub_credentials(token), token=token_a)
    if not reply.ok:
        platform.tokens.all().delete()
        return outcome.fail(f"the party refused the credentials: {reply.summary()}")
    try:
        credentials = validate_credentials(reply.data)
    except ValidationError as error:
        platform.tokens.all().delete()
        return outcome.fail(f"the party's credentials are invalid: {describe_errors(error)}")
    approved = set(parties) | {(p.country_code, p.party_id, p.role) for p in platform.parties.all()}
    conflict = refused_role(platform, credentials["roles"], approved)
    if conflict:
        platform.tokens.all().delete()
        return outcome.fail(conflict)

    with transaction.atomic():
        platform.outgoing_token = credentials["token"]
        platform.save(update_fields=["outgoing_token"])
        sync_parties(platform, credentials["roles"])
        # Registering never lifts a suspension made meanwhile.
        change_status(platform, ConnectionStatus.CONNECTED, only_from=NOT_SUSPENDED)
        platform.note_registration(
            f"Registered at the party: roles {describe_roles(credentials['roles'])}"
        )
    outcome.step(
        f"Registered: roles {describe_roles(credentials['roles'])}; platform {platform.name} "
        "is CONNECTED"
    )
    outcome.ok = True
    return outcome


def refused_role(platform: Platform, roles: list[dict], approved: set) -> str | None:
    """Why a role the party sent cannot be registered, if one cannot: not approved by the
    admin, or its country_code/party_id is used by another platform."""
    for index, role in enumerate(roles):
        key = (role["country_code"], role["party_id"], role["role"])
        if key not in approved:
            return (
                f"roles[{index}]: {describe_roles([role])} was not approved for this platform "
                "(list it among the parties the party may register)"
            )
        other = Party.objects.claimed_elsewhere(key[0], key[1], platform.pk).first()
        if other is not None:
            return f"roles[{index}]: {key[0]}*{key[1]} is used by platform {other.platform}"
    return None


def describe_errors(error: ValidationError) -> str:
    return "; ".join(flatten_errors(error.detail))


def rotate_credentials(platform: Platform) -> Outcome:
    """Hub-initiated credentials PUT: a new token each way (credentials: security advice)."""
    _ensure_no_transaction()
    outcome = Outcome(platform=platform)
    credentials_url = platform.endpoint_url("credentials", "SENDER")
    if not platform.is_registered or not platform.outgoing_token or not credentials_url:
        return outcome.fail("the platform is not registered")
    old_tokens = list(platform.tokens.values_list("pk", flat=True))
    token = PlatformToken.issue(platform, PlatformToken.Kind.ACCESS)  # valid before the PUT
    outcome.step(f"PUT {credentials_url} with a new token for the party")
    reply = call(platform, "PUT", credentials_url, json_body=hub_credentials(token))
    if reply.timed_out:
        # The party may have stored the new token before the answer was lost: both stay valid.
        return outcome.fail(
            f"no answer in time ({reply.summary()}); the old and the new token both stay valid "
            "until the next rotation"
        )
    if not reply.ok:
        platform.tokens.exclude(pk__in=old_tokens).delete()
        return outcome.fail(f"the party refused the new credentials: {reply.summary()}")
    try:
        credentials = validate_credentials(reply.data)
    except ValidationError as error:
        platform.tokens.exclude(pk__in=old_tokens).delete()
        return outcome.fail(f"the party's credentials are invalid: {describe_errors(error)}")
    with transaction.atomic():
        platform.tokens.filter(pk__in=old_tokens).delete()
        platform.outgoing_token = credentials["token"]
        platform.save(update_fields=["outgoing_token"])
        platform.note_registration("Credentials rotated by the hub (PUT)")
    outcome.step("Tokens rotated both ways; the old ones no longer work")
    outcome.ok = True
    return outcome
