from django.urls import path

from locations.views import (
    ConnectorObjectView,
    EvseObjectView,
    LocationListView,
    LocationObjectView,
)

urlpatterns = [
    path("", LocationListView.as_view()),
    path("/<str:location_id>", LocationObjectView.as_view()),
    path("/<str:location_id>/<str:evse_uid>", EvseObjectView.as_view()),
    path("/<str:location_id>/<str:evse_uid>/<str:connector_id>", ConnectorObjectView.as_view()),
]
