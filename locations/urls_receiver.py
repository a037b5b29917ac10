from django.urls import path

from locations.views import ConnectorReceiverView, EvseReceiverView, LocationReceiverView

OBJECT = "/<str:country_code>/<str:party_id>/<str:location_id>"
urlpatterns = [
    path(OBJECT, LocationReceiverView.as_view()),
    path(f"{OBJECT}/<str:evse_uid>", EvseReceiverView.as_view()),
    path(f"{OBJECT}/<str:evse_uid>/<str:connector_id>", ConnectorReceiverView.as_view()),
]
