"""URL configuration: the OCPI interfaces, the admin and the API documentation."""

from django.contrib import admin
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from hub.dashboard import dashboard_view
from hub.endpoints import OCPIEndpoint
from hub.metrics import metrics_view
from parties import views as parties_views

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

urlpatterns = [
    path("ocpi/versions", parties_views.VersionsView.as_view(), name="ocpi-versions"),
    path("ocpi/2.2.1", parties_views.VersionDetailsView.as_view(), name="ocpi-version-details"),
    *(endpoint.urlpattern() for endpoint in OCPI_ENDPOINTS),
    path("metrics", metrics_view, name="metrics"),
    path(
        "admin/delivery-dashboard/",
        admin.site.admin_view(dashboard_view),
        name="delivery-dashboard",
    ),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

handler404 = "hub.views.not_found_view"
