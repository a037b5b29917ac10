"""Endpoint discovery: a party's versions and 2.2.1 version details, fetched with a given token."""

from dataclasses import dataclass

from django.conf import settings

from hub import status
from hub.client import call, check_url
from hub.endpoints import VERSION
from parties.models import Endpoint, InterfaceRole, Platform


class RegistrationError(Exception):
    """A credentials exchange that cannot go on; carries the OCPI status code (3001/3002/3003).

    `message` is what the party is told; `str(error)` adds network detail for the admin.
    """

    def __init__(self, status_code: int, message: str, detail: str = ""):
        super().__init__(f"{message} ({detail})" if detail else message)
        self.status_code = status_code
        self.message = message


def unusable(url: str, reply) -> RegistrationError:
    return RegistrationError(
        status.UNABLE_TO_USE_CLIENT_API, f"GET {url}: {reply.party_summary()}", reply.summary()
    )


@dataclass
class Discovery:
    versions_url: str
    version: str
    endpoints: list[tuple[str, str, str]]  # (identifier, role, url)

    @property
    def identifiers(self) -> set[str]:
        return {identifier for identifier, _, _ in self.endpoints}


def discover(platform: Platform, versions_url: str, token: str) -> Discovery:
    """GET the party's versions, pick 2.2.1 and GET its details, authenticated with `token`."""
    reply = call(platform, "GET", versions_url, token=token)
    if not reply.ok:
        raise unusable(versions_url, reply)
    if not isinstance(reply.data, list):
        raise RegistrationError(
            status.UNABLE_TO_USE_CLIENT_API, f"GET {versions_url}: data is not a list of versions"
        )
    offered = {
        str(item.get("version")): item.get("url") for item in reply.data if isinstance(item, dict)
    }
    details_url = offered.get(VERSION)
    if not isinstance(details_url, str) or not valid_url(details_url):
        raise RegistrationError(
            status.UNSUPPORTED_VERSION,
            f"No common version: the party offers {', '.join(sorted(offered)) or 'none'}, "
            f"the hub {VERSION}",
        )
    reply = call(platform, "GET", details_url, token=token)
    if not reply.ok:
        raise unusable(details_url, reply)
    data = reply.data if isinstance(reply.data, dict) else {}
    endpoints = parse_endpoints(data.get("endpoints"))
    if not endpoints:
        raise RegistrationError(
            status.NO_MATCHING_ENDPOINTS, f"GET {details_url}: no usable endpoint advertised"
        )
    return Discovery(versions_url, VERSION, endpoints)


def parse_endpoints(items) -> list[tuple[str, str, str]]:
    """Well-formed Endpoint entries, first one per interface; others are skipped."""
    endpoints: dict[tuple[str, str], str] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        identifier, role, url = item.get("identifier"), item.get("role"), item.get("url")
        if identifier == "credentials":
            role = InterfaceRole.SENDER  # spec: the role of a credentials endpoint is ignored
        if not isinstance(identifier, str) or role not in InterfaceRole.values:
            continue
        if not isinstance(url, str) or len(url) > 255 or not valid_url(url):
            continue
        endpoints.setdefault((identifier, role), url)
    return [(identifier, role, url) for (identifier, role), url in endpoints.items()]


def valid_url(url: str) -> bool:
    try:
        check_url(url)
    except ValueError:
        return False
    return True


def require_modules(discovery: Discovery, roles: set[str]) -> None:
    """3003 when a module required by HUB_REQUIRED_MODULES for these roles is not advertised."""
    missing = []
    for entry in settings.HUB_REQUIRED_MODULES:
        role, _, module = entry.rpartition(":")
        if role and role.upper() not in roles:
            continue
        if module not in discovery.identifiers:
            missing.append(module if not role else f"{module} (for {role.upper()})")
    if missing:
        raise RegistrationError(
            status.NO_MATCHING_ENDPOINTS, f"Required endpoints not advertised: {', '.join(missing)}"
        )


def save_endpoints(platform: Platform, discovery: Discovery) -> None:
    """Replace the platform's endpoints with the discovered ones (caller's transaction)."""
    platform.versions_url = discovery.versions_url
    platform.version = discovery.version
    platform.save(update_fields=["versions_url", "version"])
    platform.endpoints.all().delete()
    Endpoint.objects.bulk_create(
        Endpoint(platform=platform, identifier=identifier, role=role, url=url)
        for identifier, role, url in discovery.endpoints
    )
