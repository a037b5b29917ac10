"""Start the hub on its embedded default: web server, Celery worker and beat, one command."""

import secrets
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from hub.endpoints import versions_url
from parties.actions import invite_platform
from parties.models import ConnectionStatus, Platform, PlatformToken

QUICK_START_PLATFORM = "Quick-start platform"


def celery_worker(queue: str, *options: str) -> subprocess.Popen:
    """A Celery worker consuming one queue (see docs/delivery.md, Workers)."""
    command = [sys.executable, "-m", "celery", "-A", "hub", "worker", "--queues", queue]
    command += ["--hostname", f"{queue}@%h", "--loglevel", "INFO", *options]
    return subprocess.Popen(command)


class Command(BaseCommand):
    help = "Run the hub with a Celery worker and beat; print the versions URL, admin and Token A."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host, port, **options):
        admin_line = self.ensure_admin()
        token = self.quick_start_token()
        base = f"http://{host}:{port}"
        processes = [
            # Deliveries wait on receivers, not on the CPU: many threads, one process.
            celery_worker("deliveries", "--pool", "threads", "--concurrency", "16"),
            # Background work (sweeps, still-alive checks, purges) and beat, on their own.
            celery_worker("background", "--pool", "threads", "--concurrency", "4", "--beat"),
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "granian",
                    "--interface",
                    "wsgi",
                    "--host",
                    host,
                    "--port",
                    str(port),
                    "--workers",
                    "1",
                    "--blocking-threads",
                    "8",
                    "hub.wsgi:application",
                ]
            ),
        ]
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

    def ensure_admin(self) -> str:
        users = get_user_model().objects
        credentials_file = settings.VAR_DIR / "admin-password.txt"
        if not users.filter(username="admin").exists():
            password = secrets.token_urlsafe(12)
            users.create_superuser("admin", "admin@localhost", password)
            credentials_file.write_text(password + "\n")
            credentials_file.chmod(0o600)
        if credentials_file.exists():
            return f"user admin, password {credentials_file.read_text().strip()}"
        return "user admin (password set earlier)"

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
        def stop(*_):
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
