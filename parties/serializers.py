"""The Credentials object (credentials.asciidoc) and what it contains, validated in full."""

import re
from urllib.parse import urlsplit

from rest_framework import serializers

from parties.models import Role

TOKEN = re.compile(r"[\x21-\x7e]+")  # spec: printable non-whitespace ASCII
CISTRING = re.compile(r"[\x20-\x7e]+")
IMAGE_CATEGORIES = ["CHARGER", "ENTRANCE", "LOCATION", "NETWORK", "OPERATOR", "OTHER", "OWNER"]


class URLField(serializers.CharField):
    """OCPI URL, string(255): an absolute http(s) URL (hosts without a dot are allowed)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=255, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
            raise serializers.ValidationError("expected an absolute http(s) URL")
        return value


class CiStringField(serializers.CharField):
    def __init__(self, length: int, **kwargs):
        super().__init__(max_length=length, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not CISTRING.fullmatch(value):
            raise serializers.ValidationError("expected printable ASCII")
        return value.upper()


class ImageSerializer(serializers.Serializer):
    url = URLField()
    thumbnail = URLField(required=False, allow_null=True)
    category = serializers.ChoiceField(IMAGE_CATEGORIES)
    type = serializers.CharField(max_length=4)
    width = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=99999)
    height = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=99999)


class BusinessDetailsSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    website = URLField(required=False, allow_null=True)
    logo = ImageSerializer(required=False, allow_null=True)


class CredentialsRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(Role.choices)
    business_details = BusinessDetailsSerializer()
    party_id = CiStringField(3)
    country_code = CiStringField(2)


class CredentialsSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=64, trim_whitespace=False)
    url = URLField()
    roles = CredentialsRoleSerializer(many=True, allow_empty=False)

    def validate_token(self, value):
        if not TOKEN.fullmatch(value):
            raise serializers.ValidationError("expected printable non-whitespace ASCII")
        return value

    def validate_roles(self, roles):
        seen: dict[tuple, int] = {}
        for index, role in enumerate(roles):
            key = (role["role"], role["party_id"], role["country_code"])
            if key in seen:
                raise serializers.ValidationError(
                    f"roles[{index}] repeats roles[{seen[key]}] "
                    f"({role['country_code']}*{role['party_id']} {role['role']})"
                )
            seen[key] = index
        return roles


def validate_credentials(data) -> dict:
    """A validated Credentials object; raises ValidationError (answered as 2001)."""
    serializer = CredentialsSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
