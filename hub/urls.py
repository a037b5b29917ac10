"""URL configuration: the OCPI interfaces, the admin and the API documentation."""

from django.contrib import admin
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from hub.endpoints import OCPIEndpoint
from parties import views as parties_views

# Every OCPI interface the hub offers. Version details are generated from this list, so an
# interface is advertised exactly when it is routed. Sender and receiver interfaces of a module
# live under distinct prefixes: their path shapes overlap (HUB-RULES R1.1.6).
OCPI_ENDPOINTS: list[OCPIEndpoint] = [
    OCPIEndpoint("locations", "SENDER", "sender/locations", "locations.urls_sender"),
    OCPIEndpoint("locations", "RECEIVER", "receiver/locations", "locations.urls_receiver"),
    OCPIEndpoint("sessions", "SENDER", "sender/sessions", "sessions.urls_sender"),
    OCPIEndpoint("sessions", "RECEIVER", "receiver/sessions", "sessions.urls_receiver"),
    OCPIEndpoint("cdrs", "SENDER", "sender/cdrs", "cdrs.urls_sender"),
    OCPIEndpoint("cdrs", "RECEIVER", "receiver/cdrs", "cdrs.urls_receiver"),
]

urlpatterns = [
    path("ocpi/versions", parties_views.VersionsView.as_view(), name="ocpi-versions"),
    path("ocpi/2.2.1", parties_views.VersionDetailsView.as_view(), name="ocpi-version-details"),
    *(endpoint.urlpattern() for endpoint in OCPI_ENDPOINTS),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

handler404 = "hub.views.not_found_view"
