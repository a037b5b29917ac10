"""Every pushed Tariff is checked against the spec's tables; an error names its field."""

import pytest

from hub.models import Message
from tariffs.models import Tariff
from tests.locations.conftest import cpo_client_for
from tests.tariffs.conftest import FIXTURES, example, put, tariff

# These tests are about the spec's rules themselves: what a strict platform gets refused.
pytestmark = pytest.mark.usefixtures("strict_platforms")

# tariff_put_example.json lacks the required last_updated (mod_tariffs, Tariff Object): see below.
VALID_EXAMPLES = sorted(
    path.name for path in FIXTURES.glob("tariff*.json") if path.name != "tariff_put_example.json"
)


@pytest.mark.parametrize("name", VALID_EXAMPLES)
def test_every_valid_spec_tariff_example_is_accepted_and_stored_unchanged(db, name):
    data = example(name)
    client = cpo_client_for(data["country_code"], data["party_id"])
    response = put(client, f"{data['country_code']}/{data['party_id']}/{data['id']}", data)
    assert response.status_code == 201, response.json()
    assert response.json()["status_code"] == 1000
    assert Tariff.objects.get().document == data


def test_the_spec_put_example_without_last_updated_is_refused_naming_it(db):
    client = cpo_client_for("DE", "ALL")
    response = put(client, "DE/ALL/12", example("tariff_put_example.json"))
    assert response.status_code == 200
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"] == "last_updated: This field is required."
    assert not Tariff.objects.exists() and not Message.objects.exists()


ELEMENT = tariff()["elements"][0]
COMPONENT = ELEMENT["price_components"][0]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"currency": None}, "currency: This field is required."),
        ({"currency": "EURO"}, "currency: Ensure this field has no more than 3 characters."),
        ({"elements": []}, "elements: This list may not be empty."),
        ({"type": "regular"}, 'type: "regular" is not a valid choice.'),
        ({"min_price": {"incl_vat": 1.0}}, "min_price.excl_vat: This field is required."),
        ({"max_price": {"excl_vat": "2.00"}}, "max_price.excl_vat: A valid number is required."),
        (
            {"tariff_alt_text": [{"text": "x"}]},
            "tariff_alt_text[0].language: This field is required.",
        ),
        ({"tariff_alt_url": 5}, "tariff_alt_url: Not a valid string."),
        ({"end_date_time": "2024-01-01T00:00:00+00:00"}, "end_date_time: "),
        (
            {"energy_mix": {"energy_sources": []}},
            "energy_mix.is_green_energy: This field is required.",
        ),
        (
            {"elements": [{"price_components": [{**COMPONENT, "type": "KWH"}]}]},
            'elements[0].price_components[0].type: "KWH" is not a valid choice.',
        ),
        (
            {"elements": [{"price_components": [{**COMPONENT, "step_size": 1.5}]}]},
            "elements[0].price_components[0].step_size: A valid integer is required.",
        ),
        (
            {"elements": [{"price_components": [{**COMPONENT, "price": None}]}]},
            "elements[0].price_components[0].price: This field may not be null.",
        ),
        (
            {"elements": [{"price_components": []}]},
            "elements[0].price_components: This list may not be empty.",
        ),
        (
            {"elements": [{**ELEMENT, "restrictions": {"start_time": "9:00"}}]},
            "elements[0].restrictions.start_time: Does not match",
        ),
        (
            {"elements": [{**ELEMENT, "restrictions": {"end_date": "2024-13-01"}}]},
            "elements[0].restrictions.end_date: Does not match",
        ),
        (
            {"elements": [{**ELEMENT, "restrictions": {"day_of_week": ["monday"]}}]},
            'elements[0].restrictions.day_of_week[0]: "monday" is not a valid choice.',
        ),
        (
            {"elements": [{**ELEMENT, "restrictions": {"max_duration": "3600"}}]},
            "elements[0].restrictions.max_duration: A valid integer is required.",
        ),
        (
            {"elements": [{**ELEMENT, "restrictions": {"reservation": "RESERVATION"}}]},
            "elements[0].price_components[0].type: A reservation element only has FLAT and TIME.",
        ),
    ],
)
def test_an_invalid_tariff_is_refused_naming_the_field(cpo, changes, message):
    response = put(cpo.client, "NL/CPO/T1", tariff(**changes))
    assert response.status_code == 200
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith(message), response.json()
    assert not Tariff.objects.exists() and not Message.objects.exists()


def test_unknown_fields_are_kept(cpo):
    body = tariff(x_vendor={"kept": True})
    assert put(cpo.client, "NL/CPO/T1", body).status_code == 201
    assert Tariff.objects.get().document == body
