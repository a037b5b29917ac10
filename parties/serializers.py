"""The Credentials object (credentials.asciidoc) and what it contains, validated in full."""

import re

from rest_framework import serializers

from hub.ocpi_types import BusinessDetailsSerializer
from hub.serializers import CiString, DateTime, Enum, HttpURL, String, validate
from parties.models import ConnectionStatus, InterfaceRole, Role

ROLE = Role.values
INTERFACE_ROLE = InterfaceRole.values
CONNECTION_STATUS = ConnectionStatus.values
TOKEN = re.compile(r"[\x21-\x7e]+")  # spec: printable non-whitespace ASCII


class CredentialsRoleSerializer(serializers.Serializer):
    role = Enum(ROLE)
    business_details = BusinessDetailsSerializer()
    party_id = CiString(3)
    country_code = CiString(2)

    def validate(self, attrs):
        # Stored and compared upper case: the hub keys parties by these CiStrings.
        attrs["party_id"] = attrs["party_id"].upper()
        attrs["country_code"] = attrs["country_code"].upper()
        return attrs


class CredentialsSerializer(serializers.Serializer):
    token = String(64, allow_blank=False)
    url = HttpURL()
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


# For the API documentation: what the hub answers.


class VersionSerializer(serializers.Serializer):
    version = String(5)
    url = HttpURL()


class EndpointSerializer(serializers.Serializer):
    identifier = String(32)
    role = Enum(INTERFACE_ROLE)
    url = HttpURL()


class VersionDetailsSerializer(serializers.Serializer):
    version = String(5)
    endpoints = EndpointSerializer(many=True)


class ClientInfoSerializer(serializers.Serializer):
    party_id = CiString(3)
    country_code = CiString(2)
    role = Enum(ROLE)
    status = Enum(CONNECTION_STATUS)
    last_updated = DateTime()


def validate_credentials(data) -> dict:
    """A validated Credentials object; raises ValidationError (answered as 2001)."""
    return validate(CredentialsSerializer, data)
