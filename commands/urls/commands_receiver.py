"""The hub's commands RECEIVER interface: eMSPs POST {command} here."""

from django.urls import path

from commands.views import CommandReceiverView

# The bare interface URL resolves too (peers probe it); it answers in the envelope.
urlpatterns = [
    path("", CommandReceiverView.as_view(), {"command": ""}),
    path("/<str:command>", CommandReceiverView.as_view()),
]
