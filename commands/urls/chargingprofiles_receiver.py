"""The hub's chargingprofiles RECEIVER interface: eMSPs/SCSPs GET/PUT/DELETE {session_id}."""

from django.urls import path

from commands.views import ChargingProfileReceiverView

# The bare interface URL resolves too (peers probe it) and answers in the envelope;
# it is left out of the API schema.
urlpatterns = [
    path("", ChargingProfileReceiverView.as_view(schema=None), {"session_id": ""}),
    path("/<str:session_id>", ChargingProfileReceiverView.as_view()),
]
