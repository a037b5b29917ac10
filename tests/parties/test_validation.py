import pytest

from parties.serializers import CredentialsSerializer
from tests.fake_party import credentials_role


def errors(body) -> dict:
    serializer = CredentialsSerializer(data=body)
    assert not serializer.is_valid()
    return serializer.errors


def body(**overrides):
    return {
        "token": "ebf3b399-779f-4497-9b9d-ac6ad3cc44d2",
        "url": "https://example.com/ocpi/versions",
        "roles": [credentials_role("NL", "EXA", "CPO")],
        **overrides,
    }


def test_valid_credentials_keep_cistrings_upper_case():
    data = body(roles=[credentials_role("nl", "exa", "CPO"), credentials_role("nl", "exa", "EMSP")])
    serializer = CredentialsSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    assert [(r["country_code"], r["party_id"]) for r in serializer.validated_data["roles"]] == [
        ("NL", "EXA"),
        ("NL", "EXA"),
    ]


def test_full_business_details_are_accepted():
    role = credentials_role("NL", "EXA", "CPO")
    role["business_details"] = {
        "name": "Example Operator",
        "website": "http://example.com",
        "logo": {
            "url": "https://example.com/img/logo.jpg",
            "category": "OPERATOR",
            "type": "jpeg",
            "width": 512,
            "height": 512,
        },
    }
    assert CredentialsSerializer(data=body(roles=[role])).is_valid()


@pytest.mark.parametrize("token", ["a" * 65, "with space", "tab\there", "é-not-ascii", ""])
def test_token_must_be_64_printable_non_whitespace_ascii(token):
    assert "token" in errors(body(token=token))


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "ftp://example.com/versions",
        "/ocpi/versions",
        "https://example.com/" + "x" * 250,
    ],
)
def test_url_must_be_an_absolute_http_url_of_at_most_255(url):
    assert "url" in errors(body(url=url))


def test_roles_must_not_be_empty():
    assert "roles" in errors(body(roles=[]))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("role", "eMSP"),
        ("role", None),
        ("party_id", "ABCD"),
        ("country_code", "NLD"),
        ("business_details", None),
        ("business_details", {"website": "https://x.example"}),
    ],
)
def test_each_role_must_be_complete_and_valid(field, value):
    role = credentials_role("NL", "EXA", "CPO")
    role[field] = value
    assert field in errors(body(roles=[credentials_role("DE", "ABC", "EMSP"), role]))["roles"][1]


def test_missing_fields_are_named():
    assert set(errors({})) == {"token", "url", "roles"}


def test_duplicate_roles_are_refused_case_insensitively():
    found = errors(
        body(roles=[credentials_role("NL", "EXA", "CPO"), credentials_role("nl", "Exa", "CPO")])
    )
    assert "roles[1] repeats roles[0]" in str(found["roles"])


def test_same_party_with_two_roles_is_fine():
    roles = [credentials_role("NL", "EXA", "CPO"), credentials_role("NL", "EXA", "EMSP")]
    assert CredentialsSerializer(data=body(roles=roles)).is_valid()
