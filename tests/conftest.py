"""Shared fixtures: platforms with parties and tokens, OCPI clients, party servers, a worker.

All tests live under tests/ so that one conftest serves every module.
"""

import base64
import contextlib
import copy
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from parties.models import (
    ConnectionStatus,
    Endpoint,
    Party,
    Platform,
    PlatformToken,
    ValidationPolicy,
)
from tests.servers import PartyServer

ROOT = Path(__file__).resolve().parent.parent

# Every process this test run starts inherits this marker, even one that outlives its parent:
# `no_process_left_behind` finds them by it (and never another run's processes).
RUN_MARKER = f"OCPI_HUB_TEST_RUN={uuid.uuid4()}"
os.environ["OCPI_HUB_TEST_RUN"] = RUN_MARKER.partition("=")[2]


def processes_of_this_run() -> list[int]:
    """Pids of live processes (other than this one) started by this test run."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if RUN_MARKER.encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind():
    """Fail the run if a server or worker it started is still alive once every test is done."""
    yield
    deadline = time.monotonic() + 15
    while (left := processes_of_this_run()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    var_dir = Path(settings.VAR_DIR)
    if var_dir.name.startswith("ocpi-hub-tests-") and var_dir.parent == Path(tempfile.gettempdir()):
        shutil.rmtree(var_dir, ignore_errors=True)
    assert not left, f"processes left running after the tests (killed now): {left}"


def token_header(token: str) -> str:
    return "Token " + base64.b64encode(token.encode()).decode()


def create_platform(
    name: str,
    parties: list[tuple[str, str, str]],
    endpoints: dict[tuple[str, str], str] | None = None,
    status: str = ConnectionStatus.CONNECTED,
) -> tuple[Platform, str]:
    """A registered platform with its parties and endpoints; returns it and its access token."""
    platform = Platform.objects.create(
        name=name, status=status, outgoing_token=f"hub-token-for-{name}", version="2.2.1"
    )
    for country_code, party_id, role in parties:
        Party.objects.create(
            platform=platform,
            country_code=country_code,
            party_id=party_id,
            role=role,
            business_details={"name": name},
        )
    for (identifier, role), url in (endpoints or {}).items():
        Endpoint.objects.create(platform=platform, identifier=identifier, role=role, url=url)
    return platform, PlatformToken.issue(platform, PlatformToken.Kind.ACCESS)


def url_on(server: PartyServer, url: str) -> str:
    """`url` at the server's address instead of its own (path and query kept)."""
    _, _, path, query, _ = urlsplit(url)
    return urlunsplit(("http", f"127.0.0.1:{server.port}", path, query, ""))


def point_at(server: PartyServer, platform: Platform) -> None:
    """Make `server` the address of every endpoint `platform` advertised (path and query kept):
    what the hub sends to the platform reaches the server."""
    for endpoint in platform.endpoints.all():
        endpoint.url = url_on(server, endpoint.url)
        endpoint.save(update_fields=["url"])


@pytest.fixture
def client_info_listener(db):
    """A connected platform with a hubclientinfo RECEIVER: ClientInfo pushes are queued for it."""
    platform, _ = create_platform(
        "Listener",
        [("BE", "LIS", "EMSP")],
        endpoints={("hubclientinfo", "RECEIVER"): "http://listener.test/ocpi/hubclientinfo"},
    )
    return platform


def announced_statuses() -> list[str]:
    """The statuses in the ClientInfo pushes queued so far for `client_info_listener`."""
    from hub.models import Message

    told = Message.objects.filter(module="hubclientinfo", deliveries__receiver__party_id="LIS")
    return [
        json.loads(bytes(body))["status"] for (body,) in told.order_by("pk").values_list("body")
    ]


def changed(base: dict, **changes) -> dict:
    """A deep copy of `base` with `changes` applied (None removes a field)."""
    data = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def client_for(country_code: str, party_id: str, role: str) -> APIClient:
    """A client of the platform hosting this party (the platform is created on first use)."""
    party = Party.objects.by_id(country_code, party_id).filter(role=role).first()
    if party is not None:
        return ocpi_client(PlatformToken.issue(party.platform, PlatformToken.Kind.ACCESS))
    _, token = create_platform(f"{role} {country_code}{party_id}", [(country_code, party_id, role)])
    return ocpi_client(token)


def ocpi_client(token: str | None, **headers) -> APIClient:
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=token_header(token), **headers)
    return client


@pytest.fixture
def strict_platforms(monkeypatch):
    """Platforms created in the test validate strictly: every spec violation is a 2001."""
    field = Platform._meta.get_field("validation_policy")
    monkeypatch.setattr(field, "default", ValidationPolicy.STRICT)


@pytest.fixture
def cpo(db):
    """A CPO platform hosting NL*CPO; `.client` speaks for it."""
    platform, token = create_platform("CPO platform", [("NL", "CPO", "CPO")])
    platform.client = ocpi_client(token)
    platform.token = token
    return platform


@pytest.fixture
def emsp(db):
    """An eMSP platform hosting DE*MSP; `.client` speaks for it."""
    platform, token = create_platform("eMSP platform", [("DE", "MSP", "EMSP")])
    platform.client = ocpi_client(token)
    platform.token = token
    return platform


@pytest.fixture
def party_server():
    """Start party servers on 127.0.0.1: `party_server(respond=None)`; stopped after the test."""
    servers = []

    def start(respond=None) -> PartyServer:
        server = PartyServer(respond).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def emsp_api(emsp_receiver, party_server):
    """The receiving eMSP of the test module (its `emsp_receiver` fixture) on 127.0.0.1:
    every endpoint of its platform points at a server that accepts every request."""
    server = party_server()
    point_at(server, emsp_receiver)
    return server


def database_url_for_subprocess() -> str:
    """The URL of the (test) database this process uses, for a worker process to share."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings['NAME']}"


class ChildProcess:
    """A process the tests start, in a process group of its own: stopping or killing it stops
    its children too (a worker's embedded beat is a child process that would outlive it)."""

    def __init__(self, command: list[str], env: dict | None = None, quiet: bool = False):
        self.command, self.env, self.quiet = command, env, quiet
        self.popen = None

    def start(self) -> "ChildProcess":
        output = subprocess.DEVNULL if self.quiet else None
        self.popen = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
        return self

    def _signal_group(self, signal_number: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal_number)

    def kill(self) -> None:
        """SIGKILL to the whole group: dies mid-task, as in a crash."""
        if self.popen is not None:
            self._signal_group(signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen is None:
            return
        self._signal_group(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=15)
        self.kill()  # whatever of the group is left


class WorkerProcess(ChildProcess):
    """A real Celery worker (and optionally beat) on the test database."""

    def __init__(
        self, extra_env: dict | None = None, beat: bool = False, queues="deliveries,background"
    ):
        env = {**os.environ, "DATABASE_URL": database_url_for_subprocess(), **(extra_env or {})}
        command = [sys.executable, "-m", "celery", "-A", "hub", "worker", "--queues", queues]
        command += ["--hostname", f"{queues.replace(',', '-')}-{os.getpid()}@%h"]
        command += ["--pool", "threads", "--concurrency", "8", "--loglevel", "WARNING"]
        command += ["--without-mingle", "--without-gossip", *(["--beat"] if beat else [])]
        super().__init__(command, env)

    def start(self) -> "WorkerProcess":
        super().start()
        time.sleep(0.5)
        return self


@pytest.fixture
def celery_worker_process(transactional_db):
    """Start real Celery workers against the test database: `celery_worker_process(**options)`."""
    workers = []

    def start(**options) -> WorkerProcess:
        worker = WorkerProcess(**options).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
