"""Every pushed object is checked against the spec's tables; an error names its field."""

import pytest

from hub.models import Message
from locations.models import Location
from tests.locations.conftest import (
    CONNECTOR,
    EVSE,
    FIXTURES,
    cpo_client_for,
    example,
    location,
    patch,
    put,
)

# These tests are about the spec's rules themselves: what a strict platform gets refused.
pytestmark = pytest.mark.usefixtures("strict_platforms")

LOCATION_EXAMPLES = sorted(path.name for path in FIXTURES.glob("location_example*.json"))
# Examples of parts of a Location, to be placed into a whole one.
FRAGMENTS = sorted(
    path.name
    for path in FIXTURES.glob("location_*.json")
    if not path.name.startswith("location_example")
    and ("energymix" in path.name or "hours" in path.name)
)


@pytest.mark.parametrize("name", LOCATION_EXAMPLES)
def test_every_spec_location_example_is_accepted(db, name):
    data = example(name)
    client = cpo_client_for(data["country_code"], data["party_id"])
    response = put(client, f"{data['country_code']}/{data['party_id']}/{data['id']}", data)
    assert response.status_code == 201, response.json()
    assert response.json()["status_code"] == 1000
    assert Location.objects.get().document == data


@pytest.mark.parametrize("name", FRAGMENTS)
def test_every_spec_fragment_example_is_accepted_in_a_location(cpo, name):
    fragment = example(name)
    if "opening_times" not in fragment and "energy_mix" not in fragment:
        fragment = {"opening_times": fragment}  # a bare Hours example
    response = put(cpo.client, "NL/CPO/LOC1", location(**fragment))
    assert response.json()["status_code"] == 1000, response.json()


@pytest.mark.parametrize(
    "name, path",
    [
        ("location_patch_example_location.json", "NL/CPO/LOC1"),
        ("location_patch_example_status.json", "NL/CPO/LOC1/EVSE1"),
        ("location_patch_example_remove_evse.json", "NL/CPO/LOC1/EVSE1"),
        ("location_patch_example_tariff.json", "NL/CPO/LOC1/EVSE1/1"),
    ],
)
def test_every_spec_patch_example_is_accepted(cpo, name, path):
    put(cpo.client, "NL/CPO/LOC1", location())
    response = patch(cpo.client, path, example(name))
    assert response.json()["status_code"] == 1000, response.json()


def test_spec_add_evse_example_is_refused_for_its_missing_connector_fields(cpo):
    put(cpo.client, "NL/CPO/LOC1", location())
    response = put(cpo.client, "NL/CPO/LOC1/3256", example("location_put_example_add_evse.json"))
    message = response.json()["status_message"]
    assert response.json()["status_code"] == 2001
    for field in (
        "connectors[0].power_type",
        "connectors[0].max_voltage",
        "connectors[0].last_updated",
        "physical_reference",
    ):
        assert field in message


def test_unknown_fields_are_kept(cpo):
    evse = example("location_put_example_add_evse.json")
    evse["connectors"] = [dict(CONNECTOR)]
    evse["physical_reference"] = "3"
    put(cpo.client, "NL/CPO/LOC1", location(x_vendor={"a": 1}))
    response = put(cpo.client, "NL/CPO/LOC1/3256", evse)
    assert response.json()["status_code"] == 1000
    document = Location.objects.get().document
    assert document["x_vendor"] == {"a": 1}
    assert document["evses"][-1]["floor"] == -1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"city": None}, "city: This field is required"),  # missing
        ({"publish": "true"}, "publish: Must be a valid boolean"),  # type
        ({"city": "x" * 46}, "city: Ensure this field has no more than 45"),  # length
        (
            {"evses": [{**EVSE, "evse_id": "E" * 49}]},
            "evses[0].evse_id: Ensure this field has no more than 48",
        ),  # CiString length
        ({"parking_type": "on_street"}, 'parking_type: "on_street" is not a valid choice'),
        (
            {"coordinates": {"latitude": "52.08", "longitude": "5.110278"}},
            "coordinates.latitude: Does not match",
        ),  # regex
        (
            {"coordinates": {"latitude": 52.089444, "longitude": "5.110278"}},
            "coordinates.latitude: Not a valid string",
        ),  # numbers are not strings
        (
            {
                "evses": [
                    {**EVSE, "connectors": [{**CONNECTOR, "standard": "IEC_60309_2_SINGLE_16"}]}
                ]
            },
            "evses[0].connectors[0].standard",
        ),  # enums are case-sensitive
        ({"evses": [{**EVSE, "connectors": []}]}, "evses[0].connectors"),  # `+`
        (
            {"evses": [{**EVSE, "connectors": [{**CONNECTOR, "max_voltage": "230"}]}]},
            "evses[0].connectors[0].max_voltage: A valid integer is required",
        ),
        ({"opening_times": {"twentyfourseven": False}}, "opening_times.regular_hours"),
        (
            {
                "opening_times": {
                    "twentyfourseven": False,
                    "regular_hours": [
                        {"weekday": 8, "period_begin": "08:00", "period_end": "24:00"}
                    ],
                }
            },
            "opening_times.regular_hours[0].weekday",
        ),
        ({"last_updated": "2024-01-01T10:00:00+00:00"}, "last_updated: not an OCPI DateTime"),
        (
            {"publish": False, "publish_allowed_to": [{"uid": "123"}]},
            "publish_allowed_to[0].type: Required when uid is given",
        ),
        (
            {
                "energy_mix": {
                    "is_green_energy": True,
                    "energy_sources": [{"source": "SUN", "percentage": 10}],
                }
            },
            "energy_mix.energy_sources[0].source",
        ),
        (
            {
                "operator": {
                    "name": "Op",
                    "logo": {"url": "http://x/l.png", "category": "LOGO", "type": "png"},
                }
            },
            "operator.logo.category",
        ),
        ({"directions": [{"language": "eng", "text": "left"}]}, "directions[0].language"),
        (
            {
                "related_locations": [
                    {"latitude": "52.089444", "longitude": "5.110278", "name": {"language": "en"}}
                ]
            },
            "related_locations[0].name.text",
        ),
        (
            {
                "evses": [
                    {
                        **EVSE,
                        "status_schedule": [{"period_begin": "2024-01-01", "status": "PLANNED"}],
                    }
                ]
            },
            "evses[0].status_schedule[0].period_begin",
        ),
        ({"id": "LOC2"}, "id: 'LOC2' does not match 'LOC1' in the URL"),
        ({"party_id": "XYZ"}, "party_id: 'XYZ' does not match 'CPO' in the URL"),
    ],
)
def test_invalid_location_is_refused_naming_the_field(cpo, changes, field):
    response = put(cpo.client, "NL/CPO/LOC1", location(**changes))
    assert response.status_code == 200
    assert response.json()["status_code"] == 2001
    assert field in response.json()["status_message"]
    assert not Location.objects.exists()
    assert not Message.objects.exists()


def test_patch_without_last_updated_is_refused(cpo):
    put(cpo.client, "NL/CPO/LOC1", location())
    response = patch(cpo.client, "NL/CPO/LOC1/EVSE1", {"status": "CHARGING"})
    assert response.json()["status_code"] == 2001
    assert "last_updated: required" in response.json()["status_message"]
    assert Location.objects.get().document["evses"][0]["status"] == "AVAILABLE"


def test_patch_that_makes_the_object_invalid_is_refused(cpo):
    put(cpo.client, "NL/CPO/LOC1", location())
    response = patch(
        cpo.client,
        "NL/CPO/LOC1/EVSE1",
        {"status": "BROKEN", "last_updated": "2024-01-02T00:00:00Z"},
    )
    assert response.json()["status_code"] == 2001
    assert "status" in response.json()["status_message"]
    assert Location.objects.get().document["last_updated"] == "2024-01-01T10:00:00Z"
    assert Message.objects.count() == 1  # only the PUT


def test_evse_uid_in_body_must_match_the_url(cpo):
    put(cpo.client, "NL/CPO/LOC1", location())
    response = put(cpo.client, "NL/CPO/LOC1/EVSE2", {**EVSE, "uid": "EVSE3"})
    assert response.json()["status_code"] == 2001
    assert "uid: 'EVSE3' does not match 'EVSE2'" in response.json()["status_message"]


def test_body_that_is_not_an_object_is_refused(cpo):
    response = put(cpo.client, "NL/CPO/LOC1", [location()])
    assert response.json()["status_code"] == 2001
