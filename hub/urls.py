"""URL configuration: the OCPI interfaces, the admin and the API documentation."""

from django.contrib import admin
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from hub.dashboard import dashboard_view
from hub.endpoints import OCPI_ENDPOINTS
from hub.metrics import metrics_view
from parties import views as parties_views

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
