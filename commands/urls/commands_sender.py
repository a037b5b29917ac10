"""The hub's commands SENDER interface: CPOs POST CommandResults to the response URLs."""

from django.urls import path

from commands.views import CommandResultView

# The bare interface URL resolves too (peers probe it) and answers in the envelope;
# it is left out of the API schema.
urlpatterns = [
    path("", CommandResultView.as_view(schema=None), {"command_id": ""}),
    path("/<str:command_id>", CommandResultView.as_view()),
]
