"""Start a real ``langgraph dev`` server on loopback for integration tests.

The server runs offline (no ``OPENAI_*`` in its environment) against a fresh ``CREWLINE_DATA_DIR``.
The in-memory runtime writes its pickles to ``.langgraph_api/`` *relative to its working directory*
(``langgraph_runtime_inmem`` does ``os.makedirs(".langgraph_api")`` at import time), so the server
runs from a temporary directory with a copy of ``langgraph.json`` whose paths are made absolute: the
repository stays clean.

    with langgraph_server(tmp_path) as server:
        client = get_sync_client(url=server.url)

The server authenticates every request (``langgraph.json``'s ``auth`` handler). The harness creates an
``admin`` key in the server's key store before it starts (``server.api_key``, ``server.headers``) and,
while the server runs, exports it as ``LANGGRAPH_API_KEY``: a ``langgraph_sdk`` client made inside the
``with`` block authenticates without being told. ``server.create_key(user, tenant, role)`` makes more.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "HARNESS_TENANT",
    "HARNESS_USER",
    "REPO_ROOT",
    "LangGraphServer",
    "ServerStartError",
    "exported_key",
    "langgraph_server",
    "running_server",
    "server_config",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 90.0
SHUTDOWN_TIMEOUT_S = 15.0
LOG_TAIL_LINES = 60
HARNESS_USER = "harness"
HARNESS_TENANT = "harness"

# Variables that would let the crew reach a model: the server must take the offline path.
_REMOVED_ENV = (
    "LANGGRAPH_API_KEY",
    "CREWLINE_KEYS_PATH",  # the server's keys and audit log live in its data dir unless env= says otherwise
    "CREWLINE_AUDIT_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "CREWLINE_MODEL",
    "CREWLINE_FALLBACK_MODEL",
)
_SERVER_ENV = {
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "PYTHONUNBUFFERED": "1",
}


class ServerStartError(RuntimeError):
    """The server exited or never answered ``GET /ok``; the message carries its log tail."""


@dataclass
class LangGraphServer:
    """A running ``langgraph dev``: its URL, where it keeps its files, and its log."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    work_dir: Path  # the server's cwd: the config copy and ``.langgraph_api/`` live here
    data_dir: Path  # ``CREWLINE_DATA_DIR`` of the server (tickets, ERP)
    log_path: Path
    api_key: str = ""  # an admin key of tenant ``HARNESS_TENANT``

    @property
    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.api_key}

    def create_key(
        self, user: str, tenant: str, role: str = "user", customers: tuple[str, ...] = ("C-1001",)
    ) -> str:
        """A new API key in the server's key store (the server sees it at once). A user key is bound to
        ``customers``: by default the demo's customer C-1001, whom the tests' requests are about."""
        store = _key_store(self.data_dir)
        key: str = store.create(user_id=user, tenant_id=tenant, role=role, customers=customers)[0]
        return key

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return _tail(self.log_path, lines)


def _key_store(data_dir: Path) -> Any:
    from crewline.memory.operations.keys import KeyStore  # the repository's key store, where the server looks

    return KeyStore(data_dir / "keys.sqlite")


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _absolute(path: str, root: Path) -> str:
    """``./graphs/x.py:graph`` → ``/repo/graphs/x.py:graph``; module paths (``pkg.mod:attr``) stay."""
    file_part, sep, attr = path.partition(":")
    if not (file_part.startswith(".") or "/" in file_part or file_part.endswith(".py")):
        return path
    return f"{(root / file_part).resolve()}{sep}{attr}"


def server_config(repo_root: Path = REPO_ROOT) -> dict[str, Any]:
    """The repository's ``langgraph.json`` with every file path made absolute.

    ``langgraph dev`` resolves graph, auth and http paths and ``dependencies`` against its *working
    directory*, not the config file's, so a copy used from elsewhere needs absolute paths.
    """
    config: dict[str, Any] = json.loads((repo_root / "langgraph.json").read_text())
    config["dependencies"] = [
        str((repo_root / dep).resolve()) if dep.startswith(".") else dep
        for dep in config.get("dependencies", [])
    ]
    config["graphs"] = {
        name: (
            _absolute(value, repo_root)
            if isinstance(value, str)
            else {**value, "path": _absolute(value["path"], repo_root)}
        )
        for name, value in config.get("graphs", {}).items()
    }
    if isinstance(config.get("auth"), dict) and "path" in config["auth"]:
        config["auth"] = {**config["auth"], "path": _absolute(config["auth"]["path"], repo_root)}
    if isinstance(config.get("http"), dict) and "app" in config["http"]:
        config["http"] = {**config["http"], "app": _absolute(config["http"]["app"], repo_root)}
    if isinstance(config.get("env"), str):
        config["env"] = str((repo_root / config["env"]).resolve())
    return config


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _langgraph_executable() -> list[str]:
    beside = Path(sys.executable).with_name("langgraph")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("langgraph")
    return [found] if found else [sys.executable, "-m", "langgraph_cli"]


def _server_env(data_dir: Path, extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in _REMOVED_ENV}
    env.update(_SERVER_ENV)
    env["CREWLINE_DATA_DIR"] = str(data_dir)
    # rate-limit buckets of this server alone, even on a Redis other servers (and earlier runs) share
    env["CREWLINE_RATE_LIMIT_PREFIX"] = f"crewline:rl:test:{secrets.token_hex(8)}"
    env.update(extra or {})
    return env


def _is_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ok", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it lingers; always reap the child."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=SHUTDOWN_TIMEOUT_S)
    # Workers the server left behind in its group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def langgraph_server(
    base_dir: Path,
    *,
    repo_root: Path = REPO_ROOT,
    timeout_s: float = STARTUP_TIMEOUT_S,
    env: dict[str, str] | None = None,
) -> Iterator[LangGraphServer]:
    """Run ``langgraph dev`` for ``repo_root``'s ``langgraph.json`` with all its files under ``base_dir``.

    ``base_dir/server`` is the server's working directory (config copy, ``.langgraph_api/``,
    ``server.log``); ``base_dir/data`` is its ``CREWLINE_DATA_DIR``. Raises ``ServerStartError`` with
    the log tail if the server exits early or ``GET /ok`` does not answer within ``timeout_s``.
    While the block runs, ``LANGGRAPH_API_KEY`` is the server's admin key.
    """
    with (
        running_server(base_dir, repo_root=repo_root, timeout_s=timeout_s, env=env) as server,
        exported_key(server),
    ):
        yield server


@contextlib.contextmanager
def exported_key(server: LangGraphServer) -> Iterator[None]:
    """``LANGGRAPH_API_KEY`` is ``server``'s admin key in the block (SDK clients made there use it)."""
    previous_key = os.environ.get("LANGGRAPH_API_KEY")
    os.environ["LANGGRAPH_API_KEY"] = server.api_key
    try:
        yield
    finally:
        if previous_key is None:
            os.environ.pop("LANGGRAPH_API_KEY", None)
        else:
            os.environ["LANGGRAPH_API_KEY"] = previous_key


@contextlib.contextmanager
def running_server(
    base_dir: Path,
    *,
    repo_root: Path = REPO_ROOT,
    timeout_s: float = STARTUP_TIMEOUT_S,
    env: dict[str, str] | None = None,
) -> Iterator[LangGraphServer]:
    """:func:`langgraph_server` without the exported key: a server that outlives one module (the
    session's shared one) must not leave ``LANGGRAPH_API_KEY`` set for the modules that do not use it."""
    work_dir = base_dir / "server"
    data_dir = base_dir / "data"
    work_dir.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    config_path = work_dir / "langgraph.json"
    config_path.write_text(json.dumps(server_config(repo_root), indent=2))
    log_path = work_dir / "server.log"
    created = _key_store(data_dir).create(user_id=HARNESS_USER, tenant_id=HARNESS_TENANT, role="admin")
    api_key: str = created[0]

    port = _free_port()
    command = [
        *_langgraph_executable(),
        "dev",
        "--no-browser",
        "--no-reload",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--config",
        str(config_path),
    ]
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=work_dir,
            env=_server_env(data_dir, env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown reaches its workers
        )
    server = LangGraphServer(
        url=url,
        port=port,
        process=process,
        work_dir=work_dir,
        data_dir=data_dir,
        log_path=log_path,
        api_key=api_key,
    )
    try:
        deadline = time.monotonic() + timeout_s
        while not _is_ok(url):
            code = process.poll()
            if code is not None:
                raise ServerStartError(
                    f"langgraph dev exited with code {code} before answering GET /ok\n"
                    f"command: {' '.join(command)}\n--- {log_path} (tail) ---\n{server.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"langgraph dev did not answer GET {url}/ok within {timeout_s:.0f}s\n"
                    f"command: {' '.join(command)}\n--- {log_path} (tail) ---\n{server.log_tail()}"
                )
            time.sleep(0.25)
        yield server
    finally:
        _stop(process)
