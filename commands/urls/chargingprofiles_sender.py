"""The hub's chargingprofiles SENDER interface: CPO results (POST) and profile updates (PUT)."""

from django.urls import path

from commands.views import ChargingProfileSenderView

urlpatterns = [path("/<str:reference>", ChargingProfileSenderView.as_view())]
