"""The hub's own OCPI endpoints: one list builds both the URL patterns and version details."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import include, path

VERSION = "2.2.1"
VERSION_PREFIX = f"ocpi/{VERSION}/"


@dataclass(frozen=True)
class OCPIEndpoint:
    identifier: str  # ModuleID
    role: str  # InterfaceRole: SENDER or RECEIVER
    prefix: str  # path under /ocpi/2.2.1/
    urlconf: str  # module holding the urlpatterns of this interface

    @property
    def url(self) -> str:
        # Advertised with a trailing "/": peers that concatenate `{url}{country_code}/...`
        # and peers that join with "/" both reach the hub (the middleware folds "//").
        return f"{settings.HUB_BASE_URL}/{VERSION_PREFIX}{self.prefix}/"

    def urlpattern(self):
        return path(f"{VERSION_PREFIX}{self.prefix}", include(self.urlconf))


# Every OCPI interface the hub offers. Version details are generated from this list, so an
# interface is advertised exactly when it is routed. Sender and receiver interfaces of a module
# live under distinct prefixes: their path shapes overlap, and version_information_endpoint
# gives each Endpoint (identifier, role) its own URL.
OCPI_ENDPOINTS: list[OCPIEndpoint] = [
    # Spec (credentials, Interfaces): the credentials endpoint is advertised with role SENDER.
    OCPIEndpoint("credentials", "SENDER", "credentials", "parties.urls.credentials"),
    OCPIEndpoint("hubclientinfo", "SENDER", "hubclientinfo", "parties.urls.hubclientinfo"),
    OCPIEndpoint("locations", "SENDER", "sender/locations", "locations.urls_sender"),
    OCPIEndpoint("locations", "RECEIVER", "receiver/locations", "locations.urls_receiver"),
    OCPIEndpoint("commands", "SENDER", "sender/commands", "commands.urls.commands_sender"),
    OCPIEndpoint("commands", "RECEIVER", "receiver/commands", "commands.urls.commands_receiver"),
    OCPIEndpoint(
        "chargingprofiles",
        "SENDER",
        "sender/chargingprofiles",
        "commands.urls.chargingprofiles_sender",
    ),
    OCPIEndpoint(
        "chargingprofiles",
        "RECEIVER",
        "receiver/chargingprofiles",
        "commands.urls.chargingprofiles_receiver",
    ),
    OCPIEndpoint("tariffs", "SENDER", "sender/tariffs", "tariffs.urls_sender"),
    OCPIEndpoint("tariffs", "RECEIVER", "receiver/tariffs", "tariffs.urls_receiver"),
    OCPIEndpoint("tokens", "SENDER", "sender/tokens", "tokens.urls_sender"),
    OCPIEndpoint("tokens", "RECEIVER", "receiver/tokens", "tokens.urls_receiver"),
    OCPIEndpoint("sessions", "SENDER", "sender/sessions", "sessions.urls_sender"),
    OCPIEndpoint("sessions", "RECEIVER", "receiver/sessions", "sessions.urls_receiver"),
    OCPIEndpoint("cdrs", "SENDER", "sender/cdrs", "cdrs.urls_sender"),
    OCPIEndpoint("cdrs", "RECEIVER", "receiver/cdrs", "cdrs.urls_receiver"),
]


def endpoint_url(identifier: str, role: str) -> str:
    """The hub's advertised URL of one of its interfaces."""
    for endpoint in OCPI_ENDPOINTS:
        if endpoint.identifier == identifier and endpoint.role == role:
            return endpoint.url
    raise LookupError(f"the hub has no {identifier} {role} interface")


def versions_url() -> str:
    return f"{settings.HUB_BASE_URL}/ocpi/versions"


def version_details_url() -> str:
    return f"{settings.HUB_BASE_URL}/{VERSION_PREFIX.rstrip('/')}"
