from django.core.management.base import BaseCommand, CommandError

from parties.actions import register_at_party


class Command(BaseCommand):
    help = (
        "Register the hub at a party: give the versions URL and the Token A the party issued. "
        "The hub discovers the party's endpoints and POSTs its credentials."
    )

    def add_arguments(self, parser):
        parser.add_argument("versions_url", help="The party's OCPI versions URL")
        parser.add_argument("token_a", help="The Token A the party issued for the hub")
        parser.add_argument("--name", default="", help="Platform name shown in the admin")

    def handle(self, *args, versions_url, token_a, name, **options):
        outcome = register_at_party(versions_url, token_a, name, report=self.stdout.write)
        if not outcome.ok:
            raise CommandError("Registration failed; see the steps above.")
