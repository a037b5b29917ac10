"""The hub in its production shape for the benchmarks: granian (WSGI) web processes, Celery
workers and beat, on PostgreSQL and Redis at 127.0.0.1. Stopped whatever happens.

The worker shape is a list of `celery -A hub worker` argument strings, so a run can measure
any pool, concurrency and queue layout, e.g.

    ["--beat --concurrency 2"]                                       (prefork, beat embedded)
    ["--pool threads --concurrency 32 -Q deliveries", "--concurrency 1 -Q background"]

When no worker runs `--beat`, a separate `celery -A hub beat` process is started.
"""

import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKERS = ("--beat --concurrency 2",)  # Celery's own default pool: any code's queues
# The production shape of docs/delivery.md (Workers): a threads-pool deliveries worker per core
# (one Python process sends on one core at most) and a background worker; beat on its own.
RECOMMENDED_WORKERS = (
    *["--queues deliveries --pool threads --concurrency 16"] * (os.cpu_count() or 1),
    "--queues background --pool threads --concurrency 4",
)


def hub_env(database: str, redis_db: int, port: int, extra: dict[str, str] | None = None) -> dict:
    """The environment of every hub process (and of the bench's own Django set-up)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "HUB_BASE_URL": f"http://127.0.0.1:{port}",
        "SECRET_KEY": "bench-only",
        "LOG_LEVEL": "WARNING",
        "HUB_VAR_DIR": str(ROOT / "var" / f"bench-{database}"),
        # The receivers listen on loopback, which the hub refuses to call unless allowed.
        "HUB_OUTBOUND_ALLOW": "127.0.0.0/8",
        **(extra or {}),
    }


class Stack:
    """The hub's processes: granian web workers, Celery workers, beat (and any extra servers)."""

    def __init__(
        self,
        env: dict,
        port: int,
        web_workers: int = 2,
        web_threads: int = 4,
        workers: tuple[str, ...] | list[str] = DEFAULT_WORKERS,
        root: Path = ROOT,
    ):
        self.env, self.port, self.root = {**env, "PYTHONPATH": str(root)}, port, root
        self.web_workers, self.web_threads = web_workers, web_threads
        self.workers = list(workers)
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self):
        python = sys.executable
        self.spawn(
            "hub",
            [
                *(python, "-m", "granian", "--interface", "wsgi", "--port", str(self.port)),
                *("--workers", str(self.web_workers), "--blocking-threads", str(self.web_threads)),
                *("--backlog", "2048", "--log-level", "warning", "hub.wsgi:application"),
            ],
        )
        var = Path(self.env["HUB_VAR_DIR"])
        for index, arguments in enumerate(self.workers):
            options = shlex.split(arguments)
            if "--beat" in options or "-B" in options:
                options += ["--schedule", str(var / "beat-schedule")]
            self.spawn(
                f"worker{index}",
                [
                    *(python, "-m", "celery", "-A", "hub", "worker", "--loglevel", "WARNING"),
                    *("--hostname", f"bench{index}@%h", *options),
                ],
            )
        if not any({"--beat", "-B"} & set(shlex.split(arguments)) for arguments in self.workers):
            self.spawn(
                "beat",
                [
                    *(python, "-m", "celery", "-A", "hub", "beat", "--loglevel", "WARNING"),
                    *("--schedule", str(var / "beat-schedule")),
                ],
            )
        wait_for_port(self.port)

    def spawn(self, name, command):
        """Start a process in its own group; its output goes to var/bench-<database>/<name>.log."""
        log = Path(self.env["HUB_VAR_DIR"]) / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as output:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=self.root,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def signal_workers(self, signum: int):
        """Send a signal to every Celery process (each worker's group: its pool's children too),
        e.g. SIGSTOP and SIGCONT to hold deliveries back while a backlog builds."""
        for name, process in self.processes.items():
            if name.startswith(("worker", "beat")) and process.poll() is None:
                os.killpg(process.pid, signum)

    @contextlib.contextmanager
    def workers_held(self):
        """Every Celery process stopped (SIGSTOP) inside the block, resumed whatever happens."""
        self.signal_workers(signal.SIGSTOP)
        try:
            yield
        finally:
            self.signal_workers(signal.SIGCONT)

    def server_pids(self) -> list[int]:
        """The hub's web worker processes (granian's children)."""
        main = self.processes["hub"].pid
        children = Path(f"/proc/{main}/task/{main}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self, grace: float = 20):
        """SIGTERM, then SIGKILL after `grace` seconds (a warm Celery shutdown finishes its
        running tasks first, which can take long behind a slow receiver)."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.processes.clear()


def busy_cpu_seconds() -> float:
    """CPU seconds this machine has spent busy since boot, all cores (/proc/stat: user, nice,
    system, irq, softirq and steal; not idle or iowait)."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def wait_for_port(port: int, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def psql(env: dict, statement: str):
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", statement], check=True, env=env
    )


def prepare_database(
    env: dict, database: str, redis_db: int, template: bool = False, root: Path = ROOT
):
    """An empty, migrated database; with `template`, also kept as `<database>_template` so
    `reset_database` can recreate it in a second between scenarios."""
    psql(env, f"DROP DATABASE IF EXISTS {database}")
    psql(env, f"CREATE DATABASE {database}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=root,
        check=True,
        env={**env, "PYTHONPATH": str(root)},
    )
    if template:
        psql(env, f"DROP DATABASE IF EXISTS {database}_template")
        psql(env, f"CREATE DATABASE {database}_template TEMPLATE {database}")
    flush_redis(redis_db)


# A running hub's delivery table holds what its retention keeps (days of finished deliveries),
# and autovacuum has analyzed it: PostgreSQL plans each claim by those statistics. A benchmark
# that starts on an empty table that was never analyzed gets plans made while it was small (a
# sequential scan for 50 rows by id) and kept while the load fills it.
HISTORY_DELIVERIES = 200_000


def add_history(database_url: str, deliveries: int = HISTORY_DELIVERIES) -> None:
    """`deliveries` finished deliveries (copies of the warm-up's, DELIVERED), then ANALYZE: the
    table as a hub that has run for a while has it. Plain SQL on columns every version of the
    hub has, so the baseline code gets the same."""
    finished = {
        "object_key": "object_key || ':' || n",  # (many objects, as the history has)
        "status": "'DELIVERED'",
        "claim": "NULL",
        "claimed_until": "NULL",
    }
    with psycopg.connect(database_url, autocommit=True) as connection:
        columns = [
            name
            for (name,) in connection.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name ="
                " 'hub_delivery' AND column_name <> 'id' ORDER BY ordinal_position"
            )
        ]
        (existing,) = connection.execute("SELECT count(*) FROM hub_delivery").fetchone()
        values = ", ".join(finished.get(name, name) for name in columns)
        connection.execute(
            f"INSERT INTO hub_delivery ({', '.join(columns)}) SELECT {values}"
            " FROM hub_delivery, generate_series(1, %s) n",
            [-(-deliveries // max(existing, 1))],
        )
    # Vacuumed as well: left to autovacuum, the vacuum these inserts call for ran during the
    # load of some runs and not others (a run's accepted pushes varied by a third).
    analyze(database_url, "VACUUM ANALYZE")


def analyze(database_url: str, command: str = "ANALYZE") -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(command)


def reset_database(env: dict, database: str, redis_db: int):
    """Back to the migrated, empty state (no process may be connected), broker flushed."""
    psql(env, f"DROP DATABASE IF EXISTS {database}")
    psql(env, f"CREATE DATABASE {database} TEMPLATE {database}_template")
    flush_redis(redis_db)


def flush_redis(redis_db: int):
    subprocess.run(
        ["redis-cli", "-n", str(redis_db), "flushdb"], check=True, stdout=subprocess.DEVNULL
    )


# Runs inside the code under test (which may be another commit's, see `export_code`), so it
# uses only models and calls that every version of the hub has.
SEED_PARTIES = """
import base64, json, sys
import django
django.setup()
from parties.models import ConnectionStatus, Endpoint, Party, Platform, PlatformToken

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

def platform(name, parties):
    record = Platform.objects.create(
        name=name, status=ConnectionStatus.CONNECTED, version="2.2.1",
        outgoing_token=f"bench-{name}",
    )
    for country_code, party_id, role in parties:
        Party.objects.create(
            platform=record, country_code=country_code, party_id=party_id, role=role
        )
    return record, PlatformToken.issue(record, PlatformToken.Kind.ACCESS)

_, token = platform("cpo", [("NL", "CPO", "CPO")])
for index, base in enumerate(json.loads(sys.argv[1])):
    # Spec: party_id is 3 characters; MS0..MS9, then MSA..MSZ.
    record, _ = platform(f"emsp{index}", [("DE", "MS" + DIGITS[index], "EMSP")])
    for identifier, role in (("locations", "RECEIVER"), ("tokens", "SENDER")):
        Endpoint.objects.create(
            platform=record, identifier=identifier, role=role, url=f"{base}/{identifier}"
        )
print(base64.b64encode(token.encode()).decode())
"""


def seed_parties(env: dict, receiver_bases: list[str], root: Path = ROOT) -> str:
    """A CPO and one eMSP platform per receiver base URL (`<base>/locations`, `<base>/tokens`);
    returns the CPO's token as sent in the Authorization header."""
    done = subprocess.run(
        [sys.executable, "-c", SEED_PARTIES, json.dumps(receiver_bases)],
        cwd=root,
        env={**env, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"seeding the parties failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def export_code(ref: str, target: Path) -> Path:
    """The repository's files at `ref`, written to `target` (no checkout, no git state)."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=ROOT, check=True, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def median(values):
    return statistics.median(values) if values else float("nan")


def hardware() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory) / 2**20, 1),
        "python": sys.version.split()[0],
    }


def progress(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)
