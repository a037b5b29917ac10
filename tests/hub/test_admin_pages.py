"""Every admin page a hub admin opens renders, with data in it."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.integration.test_location_delivery import RAW_PUT

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_traffic(cpo, emsp):
    """A stored Location with a message and a delivery, so list pages have rows."""
    from parties.models import Endpoint

    Endpoint.objects.create(
        platform=emsp, identifier="locations", role="RECEIVER", url="http://127.0.0.1:9/l"
    )
    response = cpo.client.put(
        "/ocpi/2.2.1/receiver/locations/NL/CPO/LOC1", RAW_PUT, content_type="application/json"
    )
    assert response.json()["status_code"] == 1000


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda model: model._meta.label)
def test_changelist_and_search_render(admin_client, with_traffic, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "LOC1"}).status_code == 200
    first = model.objects.first()
    if first is not None:
        change = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[first.pk]
        )
        assert admin_client.get(change).status_code == 200
