"""The hub's URLs plus one functional view, to test the transport core on its own."""

from django.urls import path

from hub.responses import ocpi_response
from hub.urls import urlpatterns as hub_urlpatterns
from hub.views import FunctionalView


class EchoView(FunctionalView):
    """Answers with the party the request speaks for, and fails on demand."""

    sender_roles = ("CPO",)

    def get(self, request):
        party = self.sender_party()
        return ocpi_response({"sender": f"{party.country_code}*{party.party_id}"})

    def put(self, request):
        if request.data.get("explode"):
            raise RuntimeError("secret-value-that-must-not-leak")
        return ocpi_response(request.data)


urlpatterns = [
    path("ocpi/2.2.1/test/echo", EchoView.as_view()),
    *hub_urlpatterns,
]
handler404 = "hub.views.not_found_view"
