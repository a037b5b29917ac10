"""The hub's chargingprofiles SENDER interface: CPO results (POST) and profile updates (PUT)."""

from django.urls import path

from commands.views import ChargingProfileSenderView

# The bare interface URL resolves too (peers probe it) and answers in the envelope;
# it is left out of the API schema.
urlpatterns = [
    path("", ChargingProfileSenderView.as_view(schema=None), {"reference": ""}),
    path("/<str:reference>", ChargingProfileSenderView.as_view()),
]
