"""Platform authorization: a platform speaks only for its own parties (OCPI-from must be one
of the roles registered with the token used)."""

import pytest
from rest_framework.test import APIRequestFactory

from hub.responses import ocpi_response
from hub.views import FunctionalView
from tests.conftest import token_header


class OwnedObjectView(FunctionalView):
    """A functional interface as the modules write them: the URL names the object's owner."""

    sender_roles = ("CPO",)

    def put(self, request, country_code, party_id):
        party = self.owned_object(country_code, party_id)
        return ocpi_response({"owner": str(party)})


def put(token, country_code="NL", party_id="CPO", **headers):
    request = APIRequestFactory().put(
        "/x", {}, format="json", HTTP_AUTHORIZATION=token_header(token), **headers
    )
    return OwnedObjectView.as_view()(request, country_code=country_code, party_id=party_id)


def from_headers(country_code, party_id):
    return {"HTTP_OCPI_FROM_COUNTRY_CODE": country_code, "HTTP_OCPI_FROM_PARTY_ID": party_id}


def test_own_party_in_any_case_is_accepted(cpo):
    response = put(cpo.token, "nl", "cpo", **from_headers("nl", "Cpo"))
    assert response.status_code == 200
    assert response.data["data"] == {"owner": "NL*CPO (CPO)"}


def test_ocpi_from_naming_another_platforms_party_is_refused(cpo, emsp):
    response = put(emsp.token, **from_headers("NL", "CPO"))
    assert response.status_code == 403
    assert response.data["status_code"] == 2001
    assert (
        "OCPI-from NL*CPO is not a party of the calling platform"
        in (response.data["status_message"])
    )


def test_url_naming_another_platforms_party_is_404(cpo, emsp):
    response = put(cpo.token, "DE", "MSP")
    assert response.status_code == 404


@pytest.mark.parametrize("which", ["token_a", "revoked"])
def test_token_a_and_revoked_tokens_are_401(db, which, party_server):
    from parties.actions import invite_platform, unregister_platform
    from tests.conftest import create_platform

    if which == "token_a":
        _, token = invite_platform("Planned", [("NL", "CPO", "CPO")])
    else:
        platform, token = create_platform("Gone", [("NL", "CPO", "CPO")])
        unregister_platform(platform)
    response = put(token)
    assert response.status_code == 401
