"""The hub's chargingprofiles SENDER interface: CPO results (POST) and profile updates (PUT)."""

from django.urls import path

from commands.views import ChargingProfileSenderView

# The bare interface URL resolves too (peers probe it); it answers in the envelope.
urlpatterns = [
    path("", ChargingProfileSenderView.as_view(), {"reference": ""}),
    path("/<str:reference>", ChargingProfileSenderView.as_view()),
]
