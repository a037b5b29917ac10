"""The hub's own processes on one machine (`make run`, `make demo`): a web server, and a Celery
worker with beat. Each runs in a process group of its own, stopped whole."""

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model


def start_hub(host: str, port: int, log_level: str = "INFO", log_file=None) -> list:
    """Start the web server, a deliveries worker and a background worker with beat (output to
    `log_file`, if given); counters start from zero."""
    shutil.rmtree(settings.METRICS_DIR, ignore_errors=True)  # the processes' counter files
    settings.METRICS_DIR.mkdir(parents=True, exist_ok=True)
    output = open(log_file, "ab") if log_file else None  # noqa: SIM115 (kept by the children)
    # Deliveries wait on receivers, not on the CPU: a threads-pool worker of their own; background
    # work (still-alive checks, purges) and beat in another, so it never takes their capacity.
    worker = f"celery -A hub worker --pool threads --loglevel {log_level} --queues"
    deliveries = f"{worker} deliveries --concurrency 16 --hostname deliveries@%h"
    background = f"{worker} background --concurrency 4 --hostname background@%h --beat"
    web = f"granian --interface wsgi --host {host} --port {port} --workers 1 --blocking-threads 8"
    commands = [
        [sys.executable, "-m", *deliveries.split()],
        [sys.executable, "-m", *background.split()],
        [sys.executable, "-m", *web.split(), "hub.wsgi:application"],
    ]
    return [
        subprocess.Popen(command, start_new_session=True, stdout=output, stderr=output)
        for command in commands
    ]


def stop_hub(processes: list, timeout: float = 15.0) -> None:
    """Ask each process to stop (it stops its own children), then SIGKILL whatever of its
    group is left after `timeout`."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + timeout
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def ensure_admin() -> str:
    """An `admin` superuser (its password kept in the run directory); how to log in."""
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
