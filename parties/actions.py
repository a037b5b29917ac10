"""Use cases of the parties app; each owns its transaction."""

from django.db import transaction

from parties.models import Party, Platform, PlatformToken


@transaction.atomic
def invite_platform(name: str, parties: list[tuple[str, str, str]]) -> tuple[Platform, str]:
    """Create a PLANNED platform allowed to register these (country_code, party_id, role).

    Returns the platform and its Token A, which is shown once and stored only hashed.
    """
    platform = Platform.objects.create(name=name)
    for country_code, party_id, role in parties:
        Party.objects.create(
            platform=platform, country_code=country_code, party_id=party_id, role=role
        )
    return platform, PlatformToken.issue(platform, PlatformToken.Kind.REGISTRATION)
