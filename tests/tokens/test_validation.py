"""Every pushed Token is checked against the spec's tables; an error names its field."""

import pytest

from hub.models import Message
from tests.tokens.conftest import emsp_client_for, example, patch, put, token
from tokens.models import Token

# These tests are about the spec's rules themselves: what a strict platform gets refused.
pytestmark = pytest.mark.usefixtures("strict_platforms")

EXAMPLES = [
    "token_example_1_app_user.json",
    "token_example_2_full_rfid.json",
    "token_put_example.json",
]


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_spec_token_example_is_accepted_and_stored_unchanged(db, name):
    data = example(name)
    client = emsp_client_for(data["country_code"], data["party_id"])
    path = f"{data['country_code']}/{data['party_id']}/{data['uid']}?type={data['type']}"
    response = put(client, path, data)
    assert response.status_code == 201, response.json()
    stored = Token.objects.get()
    assert (stored.document, stored.type, stored.contract_id) == (
        data,
        data["type"],
        data["contract_id"],
    )


def test_the_spec_patch_example_invalidates_a_token(db):
    data = example("token_put_example.json")
    client = emsp_client_for("NL", "TNM")
    put(client, "NL/TNM/012345678", data)
    response = patch(client, "NL/TNM/012345678", example("token_patch_example.json"))
    assert response.json()["status_code"] == 1000
    stored = Token.objects.get().document
    assert stored["valid"] is False
    assert stored["last_updated"] == "2019-06-19T02:11:11Z"
    assert stored["contract_id"] == data["contract_id"]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"contract_id": None}, "contract_id: This field is required."),
        ({"issuer": None}, "issuer: This field is required."),
        ({"valid": "true"}, "valid: Must be a valid boolean."),
        ({"whitelist": "allowed"}, 'whitelist: "allowed" is not a valid choice.'),
        ({"type": "KEY_FOB"}, 'type: "KEY_FOB" is not a valid choice.'),
        ({"contract_id": "X" * 37}, "contract_id: Ensure this field has no more than 36"),
        ({"visual_number": "9" * 65}, "visual_number: Ensure this field has no more than 64"),
        ({"group_id": "gr\u00fcn"}, "group_id: Only printable ASCII characters are allowed."),
        ({"language": "eng"}, "language: Ensure this field has no more than 2 characters."),
        ({"default_profile_type": "ECO"}, 'default_profile_type: "ECO" is not a valid choice.'),
        ({"energy_contract": {"contract_id": "1"}}, "energy_contract.supplier_name: This field"),
        ({"energy_contract": {"supplier_name": 5}}, "energy_contract.supplier_name: Not a valid"),
        ({"last_updated": "2024-01-01T10:00:00+01:00"}, "last_updated: "),
    ],
)
def test_an_invalid_token_is_refused_naming_the_field(db, changes, message):
    response = put(emsp_client_for("DE", "MSP"), "DE/MSP/04A1B2C3", token(**changes))
    assert response.status_code == 200
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith(message), response.json()
    assert not Token.objects.exists() and not Message.objects.exists()


def test_a_patch_leaving_an_invalid_token_is_refused(db):
    client = emsp_client_for("DE", "MSP")
    put(client, "DE/MSP/04A1B2C3", token())
    response = patch(
        client,
        "DE/MSP/04A1B2C3",
        {"whitelist": "SOMETIMES", "last_updated": "2024-02-01T00:00:00Z"},
    )
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"].startswith("whitelist: ")
    assert Token.objects.get().document == token()
    assert Message.objects.count() == 1


def test_a_patch_without_last_updated_is_refused(db):
    client = emsp_client_for("DE", "MSP")
    put(client, "DE/MSP/04A1B2C3", token())
    response = patch(client, "DE/MSP/04A1B2C3", {"valid": False})
    assert response.json()["status_code"] == 2001
    assert response.json()["status_message"] == "last_updated: required in every PATCH"
