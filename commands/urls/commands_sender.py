"""The hub's commands SENDER interface: CPOs POST CommandResults to the response URLs."""

from django.urls import path

from commands.views import CommandResultView

# The bare interface URL resolves too (peers probe it); it answers in the envelope.
urlpatterns = [
    path("", CommandResultView.as_view(), {"command_id": ""}),
    path("/<str:command_id>", CommandResultView.as_view()),
]
