from django.core.management.base import BaseCommand, CommandError

from hub.platform_check import check_platform
from parties.models import Platform


class Command(BaseCommand):
    help = (
        "Exercise a connected platform's advertised endpoints with the hub's token (GETs only, "
        "bounded) and report each problem found; exits 1 when there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The platform's name, as in the admin")

    def handle(self, *args, name, **options):
        platform = Platform.objects.filter(name=name).first()
        if platform is None:
            raise CommandError(f"No platform named {name!r}")
        report = check_platform(platform)
        for result in report.results:
            mark = "ok  " if result["ok"] else "FAIL"
            self.stdout.write(f"{mark} {result['check']}: {result['detail']}".rstrip(": "))
        summary = f"{len(report.problems)} problems, {report.requests} requests"
        if report.problems:
            raise CommandError(summary)
        self.stdout.write(summary)
