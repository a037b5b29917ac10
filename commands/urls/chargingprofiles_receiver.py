"""The hub's chargingprofiles RECEIVER interface: eMSPs/SCSPs GET/PUT/DELETE {session_id}."""

from django.urls import path

from commands.views import ChargingProfileReceiverView

# The bare interface URL resolves too (peers probe it); it answers in the envelope.
urlpatterns = [
    path("", ChargingProfileReceiverView.as_view(), {"session_id": ""}),
    path("/<str:session_id>", ChargingProfileReceiverView.as_view()),
]
