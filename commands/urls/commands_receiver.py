"""The hub's commands RECEIVER interface: eMSPs POST {command} here."""

from django.urls import path

from commands.views import CommandReceiverView

urlpatterns = [path("/<str:command>", CommandReceiverView.as_view())]
