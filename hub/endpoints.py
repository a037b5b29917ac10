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


def endpoint_url(identifier: str, role: str) -> str:
    """The hub's advertised URL of one of its interfaces."""
    from hub.urls import OCPI_ENDPOINTS

    for endpoint in OCPI_ENDPOINTS:
        if endpoint.identifier == identifier and endpoint.role == role:
            return endpoint.url
    raise LookupError(f"the hub has no {identifier} {role} interface")


def versions_url() -> str:
    return f"{settings.HUB_BASE_URL}/ocpi/versions"


def version_details_url() -> str:
    return f"{settings.HUB_BASE_URL}/{VERSION_PREFIX.rstrip('/')}"
