"""The parties of the in-process profiles (`bench.profile_*`), on the database of DATABASE_URL."""

import base64


def fresh_database() -> None:
    """Migrate and flush the database: never point DATABASE_URL at data that matters."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)


def connected_party(name, country_code, party_id, role, endpoint=None):
    """A connected platform hosting one party; `endpoint`: (module, interface role, url)."""
    from parties.models import ConnectionStatus, Endpoint, Party, Platform

    platform = Platform.objects.create(
        name=name, status=ConnectionStatus.CONNECTED, version="2.2.1", outgoing_token="x"
    )
    if endpoint is not None:
        identifier, interface, url = endpoint
        Endpoint.objects.create(platform=platform, identifier=identifier, role=interface, url=url)
    return Party.objects.create(
        platform=platform, country_code=country_code, party_id=party_id, role=role
    )


def authorization_header(party) -> str:
    """The `Authorization` header of a new access token of the party's platform."""
    from parties.models import PlatformToken

    token = PlatformToken.issue(party.platform, PlatformToken.Kind.ACCESS)
    return "Token " + base64.b64encode(token.encode()).decode()
