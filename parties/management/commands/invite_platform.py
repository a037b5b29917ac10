from django.core.management.base import BaseCommand, CommandError

from hub.endpoints import versions_url
from parties.actions import invite_platform
from parties.forms import parse_party_spec


def party_spec(value: str) -> tuple[str, str, str]:
    try:
        return parse_party_spec(value)
    except ValueError as error:
        raise CommandError(f"--party {error}") from None


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
        platform, token = invite_platform(name, parties)
        self.stdout.write(f"Invited platform {platform.name} (id {platform.pk}).")
        self.stdout.write(f"Versions URL: {versions_url()}")
        self.stdout.write(f"Token A:      {token}")
        self.stdout.write("Token A is shown only now; it is valid on versions and credentials.")
