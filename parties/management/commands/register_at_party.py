from django.core.management.base import BaseCommand, CommandError

from parties.actions import register_at_party
from parties.management.commands.invite_platform import party_spec


class Command(BaseCommand):
    help = (
        "Register the hub at a party: give the versions URL and the Token A the party issued. "
        "The hub discovers the party's endpoints and POSTs its credentials."
    )

    def add_arguments(self, parser):
        parser.add_argument("versions_url", help="The party's OCPI versions URL")
        parser.add_argument("token_a", help="The Token A the party issued for the hub")
        parser.add_argument("--name", default="", help="Platform name shown in the admin")
        parser.add_argument(
            "--party",
            action="append",
            default=[],
            type=party_spec,
            help="COUNTRY:PARTY:ROLE the party may register (repeatable), e.g. NL:ABC:CPO; "
            "roles it sends that are not listed are refused",
        )

    def handle(self, *args, versions_url, token_a, name, party, **options):
        outcome = register_at_party(
            versions_url, token_a, name, report=self.stdout.write, parties=party
        )
        if not outcome.ok:
            raise CommandError("Registration failed; see the steps above.")
