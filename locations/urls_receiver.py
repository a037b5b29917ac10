from django.urls import path

from locations.views import LocationReceiverView

view = LocationReceiverView.as_view()
OBJECT = "/<str:country_code>/<str:party_id>/<str:location_id>"
urlpatterns = [
    path(OBJECT, view),
    path(f"{OBJECT}/<str:evse_uid>", view),
    path(f"{OBJECT}/<str:evse_uid>/<str:connector_id>", view),
]
