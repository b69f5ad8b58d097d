"""The API half of the approval replay benchmark: every route back to an approval step, as a ``user``.

A user of tenant ``acme`` asks the support crew to report fraud for C-1005; an approver of the same
tenant approves it (one fraud report). Then the user, and after it the approver, try every route a
LangGraph server offers back to that approval: a run from the checkpoint before ``apply_decision``
(by ``checkpoint_id``, by ``checkpoint``, in ``config`` and ``context``; waited, streamed and in the
background), from the checkpoint before the decision with a resume, the approval resumed again, the
state written and run on, the thread copied and its copy run from that checkpoint. A *replay* is a
fraud report beyond the first. Each attempt's status and the audit log's refusals are reported.

Needs a repository checkout (``tests/integration/langgraph_server.py`` starts ``langgraph dev``);
``crewline.evals.benchmarks.approval_replay --server`` runs it.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from crewline.evals.benchmarks.approval_replay import REQUEST, fraud_reports
from crewline.evals.benchmarks.checkout import langgraph_server_harness

__all__ = ["ROUTES", "run_api", "run_routes"]

GRAPH = "support"
APPROVE = {"resume": {"decision": "approve"}}

Route = Callable[[httpx.Client, str, dict[str, str]], httpx.Response]


def _wait(client: httpx.Client, thread: str, **body: Any) -> httpx.Response:
    return client.post(f"/threads/{thread}/runs/wait", json={"assistant_id": GRAPH, **body})


def _stream(client: httpx.Client, thread: str, **body: Any) -> httpx.Response:
    with client.stream(
        "POST",
        f"/threads/{thread}/runs/stream",
        json={"assistant_id": GRAPH, "stream_mode": "values", **body},
    ) as response:
        response.read()
    return response


def _background(client: httpx.Client, thread: str, **body: Any) -> httpx.Response:
    created = client.post(f"/threads/{thread}/runs", json={"assistant_id": GRAPH, **body})
    if created.is_success:  # wait for it: its effect (or refusal) must land before counting
        client.get(f"/threads/{thread}/runs/{created.json()['run_id']}/join")
    return created


def _copy_and_run(client: httpx.Client, thread: str, at: dict[str, str]) -> httpx.Response:
    copied = client.post(f"/threads/{thread}/copy")
    if not copied.is_success:
        return copied
    return _wait(client, copied.json()["thread_id"], checkpoint_id=at["apply"])


def _write_state_and_run(client: httpx.Client, thread: str, at: dict[str, str]) -> httpx.Response:
    body = {"values": None, "checkpoint_id": at["decision"], "as_node": "open_ticket"}
    written = client.post(f"/threads/{thread}/state", json=body)
    if not written.is_success:
        return written
    return _wait(client, thread, command=APPROVE)


ROUTES: dict[str, Route] = {
    "runs/wait checkpoint_id (before apply_decision)": lambda c, t, at: _wait(
        c, t, checkpoint_id=at["apply"]
    ),
    "runs/wait checkpoint {checkpoint_id}": lambda c, t, at: _wait(
        c, t, checkpoint={"checkpoint_id": at["apply"], "checkpoint_ns": ""}
    ),
    "runs/wait config.configurable.checkpoint_id": lambda c, t, at: _wait(
        c, t, config={"configurable": {"checkpoint_id": at["apply"]}}
    ),
    "runs/wait context.checkpoint_id": lambda c, t, at: _wait(c, t, context={"checkpoint_id": at["apply"]}),
    "runs/stream checkpoint_id": lambda c, t, at: _stream(c, t, checkpoint_id=at["apply"]),
    "runs (background) checkpoint_id": lambda c, t, at: _background(c, t, checkpoint_id=at["apply"]),
    "runs/wait checkpoint_id (before the decision) + resume approve": lambda c, t, at: _wait(
        c, t, checkpoint_id=at["decision"], command=APPROVE
    ),
    "runs/wait resume approve again": lambda c, t, at: _wait(c, t, command=APPROVE),
    "runs/wait input null (run on)": lambda c, t, at: _wait(c, t, input=None),
    "threads/state write + resume": _write_state_and_run,
    "threads/copy + runs/wait checkpoint_id": _copy_and_run,
}


def _outcome(response: httpx.Response) -> str:
    """What an attempt came to: the refusal's reason, the run's error, or the run's answer."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if not isinstance(body, dict):
        return str(body)[:200]
    error = body.get("__error__") or {}
    text = body.get("detail") or error.get("message") or body.get("answer") or body.get("status") or ""
    return str(text)[:200]


def _refused(response: httpx.Response) -> bool:
    """Refused by the server (403/404/409) or by the crew (the run failed: a refused replay)."""
    if response.status_code >= 400:
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "__error__" in body


def _reports(data_dir: Path) -> int:
    return fraud_reports(data_dir / "erp" / "demo_erp.sqlite")


def _refusals(data_dir: Path, actor: str) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{data_dir / 'audit.sqlite'}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT action FROM audit_log WHERE actor = ?", (actor,)).fetchall()
    finally:
        conn.close()
    found: dict[str, int] = {}
    for (action,) in rows:
        if action.endswith(".refused"):
            found[action] = found.get(action, 0) + 1
    return found


def _approved_thread(url: str, user: str, approver: str) -> tuple[str, dict[str, str]]:
    """A thread whose fraud report the approver approved; the checkpoints before the decision and
    before ``apply_decision``."""
    with httpx.Client(base_url=url, headers={"x-api-key": user}, timeout=120) as client:
        thread = client.post("/threads", json={}).json()["thread_id"]
        asked = _wait(client, thread, input={"messages": [{"role": "user", "content": REQUEST}]})
        asked.raise_for_status()
    with httpx.Client(base_url=url, headers={"x-api-key": approver}, timeout=120) as client:
        _wait(client, thread, command=APPROVE).raise_for_status()
        history = client.post(f"/threads/{thread}/history", json={"limit": 100}).json()
    at = {
        "apply": next(s["checkpoint"]["checkpoint_id"] for s in history if s["next"] == ["apply_decision"]),
        "decision": next(s["checkpoint"]["checkpoint_id"] for s in history if s["next"] == ["await_human"]),
    }
    return thread, at


def run_routes(url: str, data_dir: Path, keys: dict[str, str]) -> dict[str, Any]:
    """Every route as the ``user``, then as the ``approver``, on one approved thread each."""
    results: list[dict[str, Any]] = []
    replays = 0
    for role in ("user", "approver"):
        thread, at = _approved_thread(url, keys["user"], keys["approver"])
        with httpx.Client(base_url=url, headers={"x-api-key": keys[role]}, timeout=120) as client:
            for name, route in ROUTES.items():
                before = _reports(data_dir)
                response = route(client, thread, at)
                added = _reports(data_dir) - before
                replays += added
                detail = _outcome(response)
                results.append(
                    {
                        "as": role,
                        "route": name,
                        "status": response.status_code,
                        "refused": _refused(response),
                        "replays": added,
                        "detail": detail,
                    }
                )
    return {
        "routes": results,
        "attempts": len(results),
        "replays": replays,
        "user_refused": sum(1 for r in results if r["as"] == "user" and r["refused"]),
        "user_refusals_audited": _refusals(data_dir, keys["user_id"]),
    }


def run_api() -> dict[str, Any]:
    """Start ``langgraph dev`` (the repository's test harness) and try every route."""
    langgraph_server = langgraph_server_harness("the API routes")

    with (
        tempfile.TemporaryDirectory(prefix="crewline-approval-api-") as tmp,
        langgraph_server(Path(tmp)) as server,
    ):
        tag = secrets.token_hex(3)
        keys = {
            "user_id": f"mallory-{tag}",
            "user": server.create_key(f"mallory-{tag}", "acme", customers=("C-1005",)),  # her own
            "approver": server.create_key(f"carol-{tag}", "acme", role="approver"),
        }
        return run_routes(server.url, server.data_dir, keys)


if __name__ == "__main__":
    print(json.dumps(run_api(), indent=2))
