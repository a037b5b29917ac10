"""The hub's URLs plus one functional view, to test the transport core on its own."""

from django.urls import path

from hub.pagination import paginated_response
from hub.responses import ocpi_response
from hub.urls import urlpatterns as hub_urlpatterns
from hub.views import FunctionalView
from parties.models import Party


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


class PartyListView(FunctionalView):
    """A list GET over parties, to test pagination on its own."""

    def get(self, request):
        return paginated_response(
            request,
            Party.objects.all(),
            lambda party: party.party_id,
            date_field="last_updated",
            require_date_from=request.query_params.get("strict") == "1",
        )


urlpatterns = [
    path("ocpi/2.2.1/test/parties", PartyListView.as_view()),
    path("ocpi/2.2.1/test/echo", EchoView.as_view()),
    *hub_urlpatterns,
]
handler404 = "hub.views.not_found_view"
