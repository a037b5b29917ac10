"""The hub's commands RECEIVER interface: eMSPs POST {command} here."""

from django.urls import path

from commands.views import CommandReceiverView

# The bare interface URL resolves too (peers probe it) and answers in the envelope;
# it is left out of the API schema.
urlpatterns = [
    path("", CommandReceiverView.as_view(schema=None), {"command": ""}),
    path("/<str:command>", CommandReceiverView.as_view()),
]
