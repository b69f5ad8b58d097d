"""Start Aegra workers (``aegra.json``) on loopback sharing one PostgreSQL database and one Redis, as
several workers of a deployment do: for the Aegra benchmarks and the two-instance integration tests.

Aegra needs Python 3.12: the workers run from the interpreter of ``.venv-aegra/`` in the checkout
(``.ci/run`` makes it: ``python3.12 -m venv .venv-aegra && .venv-aegra/bin/pip install -e '.[aegra]'``)
or of ``CREWLINE_AEGRA_PYTHON``; without one :func:`aegra_python` raises :class:`AegraUnavailable`.

    with aegra_cluster(work_dir, postgres_url, redis_url) as cluster:
        (a,) = cluster.start("a")  # alone first: two instances migrating a fresh database at once fail
        (b,) = cluster.start("b")

Each cluster gets a fresh database (dropped afterwards), its own Redis db index, channel prefix and
queue key, and short lease, heartbeat and reaper intervals (:data:`TIMINGS`) so a killed worker's runs
are taken over in seconds. Every worker has a data directory of its own, as a separate host would:
crewline's state (API keys, tickets and the approved-action ledger, the audit log, budgets) is shared
through ``CREWLINE_STATE_URL`` (the same database), checkpoints are Aegra's, and the vault and audit
keys and the audit anchors are shared as a deployment shares them (``CREWLINE_AES_KEY``,
``CREWLINE_AUDIT_KEY``, ``CREWLINE_AUDIT_ANCHOR_DIR``). The demo ERP stays per host unless
``shared_erp``: then every worker's ``erp/`` is one directory, as a deployment has one ERP, so an
action applied twice on two workers shows in one place.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from crewline.memory.operations.keys import KeyStore

__all__ = [
    "REPO_ROOT",
    "STARTUP_TIMEOUT_S",
    "TIMINGS",
    "AegraCluster",
    "AegraInstance",
    "AegraUnavailable",
    "BenchmarkFailed",
    "aegra_cluster",
    "aegra_python",
    "seconds",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Aegra colours its log even into a file
STARTUP_TIMEOUT_S = 90.0
REDIS_DB_INDEX = 7  # an index no test uses otherwise; keys are prefixed per cluster on top
# seconds: lease > 2 heartbeats (Aegra validates it); a dead worker's run is re-queued in ~lease + reaper
TIMINGS = {
    "LEASE_DURATION_SECONDS": "3",
    "HEARTBEAT_INTERVAL_SECONDS": "1",
    "REAPER_INTERVAL_SECONDS": "1",
    "BLPOP_TIMEOUT_SECONDS": "1",
    "BLOCKING_SOCKET_TIMEOUT_SECONDS": "6",
    "POSTGRES_POLL_INTERVAL_SECONDS": "1",
    # a job a killed worker had taken off the queue but not started stays pending until this age
    "STUCK_PENDING_THRESHOLD_SECONDS": "5",
    "KEEPALIVE_INTERVAL_SECS": "1",
}
# PostgreSQL connections a worker may hold besides crewline's own pool (Aegra's defaults: 30 + 20).
# The development machines' server allows 100 in all, shared by every test and session running, and
# "too many clients" fails requests with a 500: a worker waits for a pooled connection instead.
# ``env=`` overrides them.
POOLS = {
    "SQLALCHEMY_POOL_SIZE": "2",
    "SQLALCHEMY_MAX_OVERFLOW": "3",
    "LANGGRAPH_MIN_POOL_SIZE": "1",
    "LANGGRAPH_MAX_POOL_SIZE": "3",
}
# what would let a worker reach a model or another deployment's state: the crews take the offline path
REMOVED_ENV = frozenset(
    {
        "LANGGRAPH_API_KEY",
        "CREWLINE_KEYS_PATH",
        "CREWLINE_AUDIT_URL",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_API_BASE",
        "CREWLINE_MODEL",
        "CREWLINE_FALLBACK_MODEL",
    }
)
SERVER_ENV = {
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "PYTHONUNBUFFERED": "1",
}


class BenchmarkFailed(RuntimeError):
    """A benchmark on a cluster could not finish; the message carries the workers' last exceptions."""


class AegraUnavailable(RuntimeError):
    """No Python 3.12 interpreter with ``crewline[aegra]``: the message says how to make one."""


def aegra_python() -> Path:
    """The 3.12 interpreter with ``crewline[aegra]`` installed."""
    configured = os.environ.get("CREWLINE_AEGRA_PYTHON")
    python = Path(configured) if configured else REPO_ROOT / ".venv-aegra" / "bin" / "python"
    probe = (
        subprocess.run([str(python), "-c", "import aegra_api, crewline"], capture_output=True, check=False)
        if python.exists()
        else None
    )
    if probe is not None and probe.returncode == 0:
        return python
    raise AegraUnavailable(
        f"no Aegra interpreter at {python} (make it: python3.12 -m venv .venv-aegra && "
        ".venv-aegra/bin/pip install -e '.[aegra]', or set CREWLINE_AEGRA_PYTHON)"
    )


def seconds(timings: Mapping[str, str], name: str) -> float:
    """One of Aegra's interval settings as a number (``timings`` as passed to the workers)."""
    return float(timings[name])


@dataclass
class AegraInstance:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    data_dir: Path  # this host's own CREWLINE_DATA_DIR (its demo ERP lives there unless shared)

    def kill(self) -> None:
        """SIGKILL: no drain, no cleanup, its leases simply stop being renewed."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)

    def stop(self) -> None:
        """SIGTERM (Aegra drains), then SIGKILL if it has not exited within 15 s."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_errors(self, lines: int = 5) -> list[str]:
        """The last ``lines`` lines of its log that name an exception (``...Error: ...``)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return []
        found = [line.strip() for line in text.splitlines() if re.search(r"\w(Error|Exception): ", line)]
        return [f"{self.name}: {_ANSI.sub('', line)}" for line in found[-lines:]]

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


@dataclass
class AegraCluster:
    python: Path
    work_dir: Path
    database_url: str
    redis_url: str
    tag: str
    extra_env: dict[str, str]
    secrets_env: dict[str, str]
    timings: dict[str, str] = field(default_factory=lambda: dict(TIMINGS))
    shared_erp: bool = False
    instances: list[AegraInstance] = field(default_factory=list)

    def env(self, config: Path, data_dir: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k.upper() not in REMOVED_ENV}
        env.update(SERVER_ENV)
        env.update(self.timings)
        env.update(POOLS)
        env.update(
            CREWLINE_DATA_DIR=str(data_dir),
            CREWLINE_STATE_URL=self.database_url,
            CREWLINE_CHECKPOINT_URL=self.database_url,  # crewline's health check asks the same database
            CREWLINE_REDIS_URL=self.redis_url,  # one rate limit for all instances
            CREWLINE_RATE_LIMIT_PREFIX=f"crewline:rl:aegra:{self.tag}",
            AEGRA_CONFIG=str(config),
            DATABASE_URL=self.database_url,
            REDIS_BROKER_ENABLED="true",
            REDIS_URL=self.redis_url,
            REDIS_CHANNEL_PREFIX=f"aegra-{self.tag}:run:",
            WORKER_QUEUE_KEY=f"aegra-{self.tag}:jobs",
            CRON_ENABLED="false",
            LOG_LEVEL="WARNING",
        )
        env.update(self.secrets_env)
        env.update(self.extra_env)
        return env

    @property
    def erp_path(self) -> Path:
        """The one demo ERP of a ``shared_erp`` cluster (created by the first worker that uses it)."""
        return self.work_dir / "erp" / "demo_erp.sqlite"

    def data_dir(self, name: str) -> Path:
        """Worker ``name``'s data directory (kept across restarts under the same name)."""
        data = self.work_dir / name / "data"
        data.mkdir(parents=True, exist_ok=True)
        if self.shared_erp and not (data / "erp").exists():
            self.erp_path.parent.mkdir(parents=True, exist_ok=True)
            (data / "erp").symlink_to(self.erp_path.parent, target_is_directory=True)
        return data

    def launch(self, name: str, config: Path | None = None) -> tuple[subprocess.Popen[bytes], str, Path]:
        """Start an instance without waiting for it: its process, URL and log (appended to on restart)."""
        port = _free_port()
        log_path = self.work_dir / f"{name}.log"
        data = self.data_dir(name)
        command = [str(self.python), "-m", "uvicorn", "aegra_api.main:app", "--host", "127.0.0.1"]
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [*command, "--port", str(port)],
                cwd=data.parent,
                env=self.env(config or REPO_ROOT / "aegra.json", data),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() takes every child with it
            )
        return process, f"http://127.0.0.1:{port}", log_path

    def start(self, *names: str) -> list[AegraInstance]:
        """Start instances side by side and wait for each (a fresh database: start one alone first,
        two instances migrating it at once fail)."""
        started = []
        for name in names:
            process, url, log_path = self.launch(name)
            started.append(AegraInstance(name, url, process, log_path, self.work_dir / name / "data"))
        self.instances += started
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        for instance in started:
            while not _healthy(instance.url):
                if instance.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Aegra instance {instance.name} did not start\n{instance.log_tail()}")
                time.sleep(0.25)
        return started

    def log_errors(self, lines: int = 5) -> list[str]:
        """Every instance's last exceptions, for a failure's message."""
        return [line for instance in self.instances for line in instance.log_errors(lines)]

    def create_key(
        self, user: str, tenant: str, role: str = "user", customers: tuple[str, ...] = ("C-1001",)
    ) -> str:
        store = KeyStore(self.database_url)  # every host reads keys from the shared state
        return str(store.create(user_id=user, tenant_id=tenant, role=role, customers=customers)[0])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _with_db_index(url: str, index: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{index}"))


@contextlib.contextmanager
def aegra_cluster(
    base_dir: Path,
    postgres_url: str,
    redis_url: str,
    env: dict[str, str] | None = None,
    *,
    python: Path | None = None,
    timings: Mapping[str, str] | None = None,
    shared_erp: bool = False,
) -> Iterator[AegraCluster]:
    """A fresh database and key prefix for instances started with ``cluster.start(name)``; every
    instance still running at the end is stopped and the database dropped.

    ``timings`` replaces :data:`TIMINGS` (Aegra's lease, heartbeat, reaper... settings); ``python``
    the interpreter (default :func:`aegra_python`, which raises :class:`AegraUnavailable`)."""
    import psycopg

    python = python or aegra_python()
    tag = secrets.token_hex(4)
    database = f"crewline_aegra_{tag}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    work_dir = base_dir / "aegra"
    work_dir.mkdir(parents=True)
    shared_secrets = {
        "CREWLINE_AES_KEY": secrets.token_hex(32),
        "CREWLINE_AUDIT_KEY": secrets.token_hex(32),
        "CREWLINE_AUDIT_ANCHOR_DIR": str(base_dir / "anchors"),  # a shared mount in a deployment
    }
    cluster = AegraCluster(
        python=python,
        work_dir=work_dir,
        secrets_env=shared_secrets,
        database_url=_with_database(postgres_url, database),
        redis_url=_with_db_index(redis_url, REDIS_DB_INDEX),
        tag=tag,
        extra_env=env or {},
        timings=dict(timings if timings is not None else TIMINGS),
        shared_erp=shared_erp,
    )
    try:
        yield cluster
    finally:
        for instance in cluster.instances:
            instance.stop()
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        _drop_redis_keys(cluster.redis_url, (f"aegra-{tag}:*", f"crewline:rl:aegra:{tag}*"))


def _drop_redis_keys(redis_url: str, patterns: tuple[str, ...]) -> None:
    """The cluster's queue, stream and rate-limit keys: a shared Redis keeps no trace of it."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        for pattern in patterns:
            keys = list(client.scan_iter(match=pattern, count=500))
            if keys:
                client.delete(*keys)
    except redis.RedisError:
        pass  # best effort: the keys carry the cluster's own tag and harm no other deployment
    finally:
        client.close()
