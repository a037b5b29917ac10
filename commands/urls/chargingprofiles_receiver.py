"""The hub's chargingprofiles RECEIVER interface: eMSPs/SCSPs GET/PUT/DELETE {session_id}."""

from django.urls import path

from commands.views import ChargingProfileReceiverView

urlpatterns = [path("/<str:session_id>", ChargingProfileReceiverView.as_view())]
