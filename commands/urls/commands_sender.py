"""The hub's commands SENDER interface: CPOs POST CommandResults to the response URLs."""

from django.urls import path

from commands.views import CommandResultView

urlpatterns = [path("/<str:command_id>", CommandResultView.as_view())]
