from django.core.management.base import BaseCommand, CommandError

from hub.endpoints import versions_url
from parties.actions import invite_platform
from parties.models import Party, Role


def party_spec(value: str) -> tuple[str, str, str]:
    try:
        country_code, party_id, role = value.split(":")
    except ValueError:
        raise CommandError(
            f"--party {value!r}: expected COUNTRY:PARTY:ROLE, e.g. NL:ABC:CPO"
        ) from None
    role = role.upper()
    if role not in Role.values or role == Role.HUB:
        raise CommandError(
            f"--party {value!r}: role must be one of CPO, EMSP, NAP, NSP, OTHER, SCSP"
        )
    if len(country_code) != 2 or len(party_id) != 3:
        raise CommandError(f"--party {value!r}: country code has 2 characters, party id 3")
    return country_code.upper(), party_id.upper(), role


class Command(BaseCommand):
    help = "Invite a platform: allow it to register the given parties and print its Token A."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Platform name shown in the admin")
        parser.add_argument(
            "--party",
            action="append",
            required=True,
            type=str,
            help="COUNTRY:PARTY:ROLE the platform may register (repeatable), e.g. NL:ABC:CPO",
        )

    def handle(self, *args, name, party, **options):
        parties = [party_spec(value) for value in party]
        for country_code, party_id, role in parties:
            if Party.objects.by_id(country_code, party_id).filter(role=role).exists():
                raise CommandError(f"{country_code}:{party_id}:{role} is already registered")
        platform, token = invite_platform(name, parties)
        self.stdout.write(f"Invited platform {platform.name} (id {platform.pk}).")
        self.stdout.write(f"Versions URL: {versions_url()}")
        self.stdout.write(f"Token A:      {token}")
        self.stdout.write("Token A is shown only now; it is valid on versions and credentials.")
