"""Start the hub on its embedded default: web server, Celery worker and beat, one command."""

import signal
import time

from django.core.management.base import BaseCommand

from hub.embedded import ensure_admin, start_hub, stop_hub
from hub.endpoints import versions_url
from parties.actions import invite_platform
from parties.models import ConnectionStatus, Platform, PlatformToken

QUICK_START_PLATFORM = "Quick-start platform"


class Command(BaseCommand):
    help = "Run the hub with a Celery worker and beat; print the versions URL, admin and Token A."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host, port, **options):
        admin_line = ensure_admin()
        token = self.quick_start_token()
        base = f"http://{host}:{port}"
        processes = start_hub(host, port)
        self.stdout.write(
            "\nThe hub is running.\n"
            f"  Versions URL:   {versions_url()}   (served at {base}/ocpi/versions)\n"
            f"  Admin:          {base}/admin/   {admin_line}\n"
            f"  Token A:        {token}   (platform '{QUICK_START_PLATFORM}', "
            "may register NL*QST as CPO and EMSP)\n"
            f"  Try:            curl -H 'Authorization: Token {token}' {base}/ocpi/versions\n"
            f"  API docs:       {base}/api/docs/\n"
            "Stop with Ctrl-C.\n"
        )
        self.wait(processes)

    def quick_start_token(self) -> str:
        """A fresh Token A for the quick-start invitation (earlier unused ones are revoked)."""
        platform = Platform.objects.filter(
            name=QUICK_START_PLATFORM, status=ConnectionStatus.PLANNED
        ).first()
        if platform is None:
            if Platform.objects.filter(name=QUICK_START_PLATFORM).exists():
                platform = Platform.objects.create(name=f"{QUICK_START_PLATFORM} (new)")
                return PlatformToken.issue(platform, PlatformToken.Kind.REGISTRATION)
            _, token = invite_platform(
                QUICK_START_PLATFORM, [("NL", "QST", "CPO"), ("NL", "QST", "EMSP")]
            )
            return token
        platform.tokens.filter(kind=PlatformToken.Kind.REGISTRATION).delete()
        return PlatformToken.issue(platform, PlatformToken.Kind.REGISTRATION)

    def wait(self, processes):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        try:
            while not stopping and all(process.poll() is None for process in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop_hub(processes)
