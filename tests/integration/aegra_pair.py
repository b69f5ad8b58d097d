"""Two crewline instances on Aegra for the two-instance tests: their users, the repository's
``aegra.json`` made absolute (with the pausable ``refund`` graph), and the HTTP and database reads
the tests make of them.

Split from ``test_aegra_two_instances.py``, which keeps the ``pair`` fixture and the tests.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.integration.aegra_instances import AegraCluster, AegraInstance
from tests.integration.aegra_pause_graph import PAUSED_FILE

LOST_CARD = "I lost my card, and what is the current balance for customer C-1001?"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Users:
    alice: str
    bob: str
    carol: str
    eve: str


@dataclass
class Pair:
    cluster: AegraCluster
    a: AegraInstance
    b: AegraInstance
    users: Users


def aegra_config(directory: Path, **overrides: Any) -> Path:
    """The repository's ``aegra.json`` with absolute paths (it is read from ``directory``), the
    ``refund`` graph the pausable one of :mod:`tests.integration.aegra_pause_graph`, and ``overrides``."""
    config: dict[str, Any] = json.loads((REPO / "aegra.json").read_text())
    config["dependencies"] = [str(REPO)]
    config["graphs"] = {name: str(REPO / path.removeprefix("./")) for name, path in config["graphs"].items()}
    config["graphs"]["refund"] = f"{REPO / 'tests' / 'integration' / 'aegra_pause_graph.py'}:graph"
    config.update(overrides)
    path = directory / "aegra.json"
    path.write_text(json.dumps(config))
    return path


def http_client(instance: AegraInstance, key: str | None) -> httpx.Client:
    return httpx.Client(base_url=instance.url, headers={"x-api-key": key} if key else {}, timeout=60)


def wait_run(
    client: httpx.Client, thread_id: str, body: dict[str, Any], seconds: float = 120
) -> httpx.Response:
    """``POST /threads/{id}/runs/wait`` within ``seconds`` in all: Aegra sends a keep-alive byte every
    second while a run is unfinished, so no read timeout would ever end a wait on a run stuck pending."""
    deadline = time.monotonic() + seconds
    with client.stream("POST", f"/threads/{thread_id}/runs/wait", json=body) as response:
        chunks = []
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            assert time.monotonic() < deadline, f"runs/wait on {thread_id} unanswered after {seconds} s"
        return httpx.Response(response.status_code, content=b"".join(chunks), request=response.request)


def escalate(instance: AegraInstance, key: str, text: str = LOST_CARD) -> str:
    """A new thread of the key's user whose request waits at the escalation; its id."""
    with http_client(instance, key) as client:
        created = client.post("/threads", json={"metadata": {"owner": "bob", "tenant_id": "evil"}})
        assert created.status_code == 200, created.text
        thread_id = str(created.json()["thread_id"])
        ran = wait_run(
            client,
            thread_id,
            {"assistant_id": "support", "input": {"messages": [{"role": "user", "content": text}]}},
        )
        assert ran.status_code == 200, ran.text
        state = client.get(f"/threads/{thread_id}/state").json()
    assert state["next"] == ["await_human"], state
    return thread_id


def resume_run(client: httpx.Client, thread_id: str, decision: str = "approve") -> httpx.Response:
    command = {"resume": {"decision": decision, "by": "somebody-else"}}
    return wait_run(client, thread_id, {"assistant_id": "support", "command": command})


def shared_rows(database_url: str, query: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of crewline's shared state (CREWLINE_STATE_URL: the cluster's database)."""
    import psycopg

    with psycopg.connect(database_url) as db:
        return list(db.execute(query, args).fetchall())


def erp_rows(cluster: AegraCluster, query: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{cluster.erp_path}?mode=ro", uri=True) as erp:
        return list(erp.execute(query, args).fetchall())


def start_run(client: httpx.Client, assistant: str, run_input: dict[str, Any]) -> tuple[str, str]:
    thread_id = client.post("/threads", json={}).json()["thread_id"]
    run = client.post(f"/threads/{thread_id}/runs", json={"assistant_id": assistant, "input": run_input})
    assert run.status_code == 200, run.text
    return str(thread_id), str(run.json()["run_id"])


def paused_instance(pair: Pair, pause_dir: Path) -> AegraInstance:
    """The instance whose worker paused at the armed point (the queue decides which one runs a job)."""
    paused = pause_dir / PAUSED_FILE
    deadline = time.monotonic() + 60
    while not paused.exists() or not paused.read_text():
        assert time.monotonic() < deadline, f"no run paused\n{pair.a.log_tail()}\n{pair.b.log_tail()}"
        time.sleep(0.1)
    data_dir = Path(paused.read_text()).resolve()
    return next(i for i in (pair.a, pair.b) if i.data_dir.resolve() == data_dir)
