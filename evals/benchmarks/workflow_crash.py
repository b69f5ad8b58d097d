"""Crash benchmark of the refund workflow: SIGKILL at every fault point, then audit the ERP.

Each scenario (a refund that completes, one approved or rejected by a manager, an ineligible order,
a failure injected in each step and after each effect commits) runs in forked worker processes
against its own copy of the demo ERP and a real checkpointer. A worker kills itself with SIGKILL at
the first fault point (step start/end, inside each effect's transaction, after its commit, inside
each rollback) it has not been killed at before; the next worker resumes the thread from its last
checkpoint, until a worker finishes the run. Then the ERP is audited against the pristine copy from
the business tables alone: an effect applied twice is *double-applied*; an effect still standing in
a rolled-back run, or a business row without its ledger entry, is *orphaned*; an effect missing from
a completed run is *missing*.

    python -m crewline.evals.benchmarks.workflow_crash [--url sqlite:///…|postgresql://…] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from langgraph.types import Command

from crewline.evals.benchmarks.forked import run_forked
from crewline.graphs.refund import build_refund_workflow
from crewline.graphs.workflow import workflow_status
from crewline.memory.checkpoint.checkpointers import checkpointer
from crewline.tools.erp import open_demo_erp
from crewline.tools.faults import InjectedFailure, install_fault_hook
from crewline.tools.registry import ToolContext

__all__ = [
    "SCENARIOS",
    "Audit",
    "Scenario",
    "ScenarioReport",
    "audit_erp",
    "main",
    "pristine_erp",
    "run_scenario",
]

STEPS = (
    "validate_order",
    "check_eligibility",
    "manager_approval",
    "refund_payment",
    "adjust_invoice",
    "notify_customer",
)
EFFECTS = {"refund_payment": "refund", "adjust_invoice": "invoice_credit", "notify_customer": "notify"}
MAX_WORKERS_PER_SCENARIO = 200


@dataclass(frozen=True)
class Scenario:
    name: str
    order_id: str
    decision: str | None = None  # the manager's answer when the run waits for approval
    fail_at: str | None = None  # a fault point that raises InjectedFailure every time it is reached
    expect: str = "completed"  # the outcome without kills
    naive: bool = False  # control: no reconciliation and a fresh key per attempt (the classic bug)
    kill_only: tuple[str, ...] = ()  # kill only at points with these prefixes (empty: everywhere)


def _failure_scenarios() -> list[Scenario]:
    scenarios = []
    for step in STEPS:
        order = "O-1002" if step == "manager_approval" else "O-1001"
        scenarios.append(Scenario(f"fail-{step}", order, "approve", f"step:{step}:execute", "rolled_back"))
    for step, operation in EFFECTS.items():
        failure = f"effect:{operation}:after_commit"
        scenarios.append(Scenario(f"fail-after-{step}", "O-1001", None, failure, "rolled_back"))
        # kills in the rollback only: the landed effect must be undone, once, whatever dies when
        scenarios.append(
            Scenario(
                f"undo-{step}", "O-1001", None, failure, "rolled_back", kill_only=("rollback:", "effect:")
            )
        )
    return scenarios


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("small-refund", "O-1001"),
    Scenario("approved-refund", "O-1002", "approve"),
    Scenario("rejected-refund", "O-1002", "reject", expect="rolled_back"),
    Scenario("ineligible", "O-1003", expect="rolled_back"),
    *_failure_scenarios(),
)


@dataclass
class Audit:
    double_applied: int = 0
    orphaned: int = 0
    missing: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class ScenarioReport:
    scenario: str
    status: str
    expected: str
    kills: int
    workers: int
    kill_points: list[str]
    steps: list[dict[str, Any]]
    audit: Audit


def pristine_erp(directory: Path) -> Path:
    """A freshly seeded demo ERP (with the workflow tables) at ``directory/erp/demo_erp.sqlite``."""
    erp = open_demo_erp(directory)
    from crewline.tools.erp_effects import ERPEffects

    ERPEffects(erp).effects()  # creates the workflow tables
    return erp.db_path


def _rows(db: Path, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, tuple(args)).fetchall()
    finally:
        conn.close()


def audit_erp(db: Path, pristine: Path, order_id: str, status: str) -> Audit:
    """Compare the ERP after a run with its pristine copy, from the business tables alone."""
    audit = Audit()
    cust = str(_rows(pristine, "SELECT CUST_ID FROM ORDERS WHERE ORD_ID = ?", [order_id])[0]["CUST_ID"])
    refunds = _rows(db, "SELECT * FROM REFUND_TXN WHERE ORD_ID = ?", [order_id])
    credits = _rows(db, "SELECT * FROM INVADJ WHERE ORD_ID = ?", [order_id])
    messages = _rows(db, "SELECT * FROM NOTIFY_Q WHERE CUST_ID = ?", [cust])
    ledger = {str(r["IDEM_KEY"]): str(r["STAT_CD"]) for r in _rows(db, "SELECT * FROM WF_EFFECT")}
    active = {"refund": "P", "invoice_credit": "A", "notify": "Q"}
    for operation, rows in (("refund", refunds), ("invoice_credit", credits), ("notify", messages)):
        standing = [r for r in rows if r["STAT_CD"] == active[operation]]
        audit.double_applied += max(0, len(rows) - 1)  # every application leaves a row, undone or not
        if status == "completed":
            audit.missing += 0 if standing else 1
        else:
            audit.orphaned += len(standing)
        for row in rows:
            recorded = ledger.get(str(row["REF_KEY"]))
            expected = "A" if row["STAT_CD"] == active[operation] else "C"
            if recorded != expected:
                audit.orphaned += 1
                audit.problems.append(f"{operation} row {dict(row)} has ledger state {recorded!r}")
    before = _rows(pristine, "SELECT REFUNDED_CENTS FROM ORDERS WHERE ORD_ID = ?", [order_id])[0][0]
    after = _rows(db, "SELECT REFUNDED_CENTS FROM ORDERS WHERE ORD_ID = ?", [order_id])[0][0]
    posted = sum(int(r["AMT_CENTS"]) for r in refunds if r["STAT_CD"] == "P")
    if after - before != posted:
        audit.problems.append(f"REFUNDED_CENTS moved by {after - before}, posted refunds total {posted}")
    invoices_sql = "SELECT INV_NO, AMT_CENTS, STAT_CD FROM INVHDR WHERE CUST_ID = ? ORDER BY INV_NO"
    was = {r["INV_NO"]: r["AMT_CENTS"] for r in _rows(pristine, invoices_sql, [cust])}
    now = {r["INV_NO"]: r["AMT_CENTS"] for r in _rows(db, invoices_sql, [cust])}
    taken = sum(int(r["APPL_CENTS"]) for r in credits if r["STAT_CD"] == "A")
    if sum(was.values()) - sum(now.values()) != taken:
        audit.problems.append(
            f"invoices of {cust} moved by {sum(was.values()) - sum(now.values())}, credits {taken}"
        )
    if status not in ("completed", "rolled_back"):
        audit.problems.append(f"the run ended {status}")
    return audit


# --- workers -------------------------------------------------------------------------------------


def _worker(scenario: Scenario, url: str, data_dir: Path, thread: str, killed: set[str], pipe: int) -> None:
    """Drive the run (start, resume, decide) until it ends; SIGKILL at the first new fault point."""

    def hook(point: str) -> None:
        if point == scenario.fail_at:
            raise InjectedFailure(f"injected failure at {point}")
        if point not in killed and point.startswith(scenario.kill_only or ("",)):
            os.write(pipe, f"kill {point}\n".encode())
            os.kill(os.getpid(), signal.SIGKILL)

    if scenario.naive:  # this worker is a throwaway process: patching classes only affects it
        _make_naive()
    config: Any = {"configurable": {"thread_id": thread}, "metadata": {"workflow": "refund"}}
    with checkpointer(url) as saver, install_fault_hook(hook):
        graph = build_refund_workflow(checkpointer=saver, tool_context=ToolContext(data_dir=data_dir))
        while True:
            snapshot = graph.get_state(config)
            status = workflow_status(thread, snapshot)["status"]
            if not snapshot.values and not snapshot.next:
                graph_input: Any = {"input": {"order_id": scenario.order_id}}
            elif status == "waiting":
                graph_input = Command(resume={"decision": scenario.decision or "approve", "by": "crash-test"})
            elif status == "running":
                graph_input = None
            else:
                break
            graph.invoke(graph_input, config, durability="sync")
        os.write(pipe, f"done {json.dumps(workflow_status(thread, graph.get_state(config)))}\n".encode())


def _make_naive() -> None:
    from crewline.graphs import refund
    from crewline.nodes.workflow import Reconciliation
    from crewline.tools.erp_effects import ERPEffects

    apply = ERPEffects._apply

    def fresh_key(self: ERPEffects, key: str, *args: Any) -> Any:
        return apply(self, f"{key}#{uuid.uuid4().hex[:8]}", *args)

    ERPEffects._apply = fresh_key  # type: ignore[method-assign,assignment]
    refund._EffectStep.reconcile = lambda self, ctx: Reconciliation("absent")  # type: ignore[method-assign]


def _fork_worker(
    scenario: Scenario, url: str, data_dir: Path, thread: str, killed: set[str]
) -> tuple[str, str]:
    return run_forked(lambda pipe: _worker(scenario, url, data_dir, thread, killed, pipe), scenario.name)


def run_scenario(
    scenario: Scenario, url: str, workdir: Path, pristine: Path, *, kill: bool = True
) -> ScenarioReport:
    """Run one scenario to its end (killing at every fault point if ``kill``) and audit the ERP."""
    data_dir = workdir / f"{scenario.name}-{uuid.uuid4().hex[:8]}"
    (data_dir / "erp").mkdir(parents=True)
    shutil.copy(pristine, data_dir / "erp" / "demo_erp.sqlite")
    thread = f"crash-{data_dir.name}"
    killed: set[str] = set()
    points: list[str] = []
    for workers in range(1, MAX_WORKERS_PER_SCENARIO + 1):
        outcome, detail = _fork_worker(scenario, url, data_dir, thread, killed if kill else _Everything())
        if outcome == "kill":
            killed.add(detail)
            points.append(detail)
            continue
        final = json.loads(detail)
        audit = audit_erp(data_dir / "erp" / "demo_erp.sqlite", pristine, scenario.order_id, final["status"])
        return ScenarioReport(
            scenario.name,
            final["status"],
            scenario.expect,
            len(points),
            workers,
            points,
            final["steps"],
            audit,
        )
    raise RuntimeError(f"{scenario.name} did not finish after {MAX_WORKERS_PER_SCENARIO} workers")


class _Everything(set[str]):
    """The ``killed`` set of a run without kills: every point counts as already killed at."""

    def __contains__(self, item: object) -> bool:
        return True


def run_all(urls: Sequence[str], scenarios: Sequence[Scenario] = SCENARIOS) -> dict[str, Any]:
    """Every scenario against every checkpointer URL; totals and per-scenario reports."""
    started = time.monotonic()
    reports: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="crewline-crash-") as tmp:
        workdir = Path(tmp)
        pristine = pristine_erp(workdir / "pristine")
        for url in urls:
            for scenario in scenarios:
                report = run_scenario(scenario, url, workdir, pristine)
                reports.append({"backend": url.partition(":")[0], **asdict(report)})
    return {
        "kills": sum(r["kills"] for r in reports),
        "runs": len(reports),
        "double_applied": sum(r["audit"]["double_applied"] for r in reports),
        "orphaned": sum(r["audit"]["orphaned"] for r in reports),
        "missing": sum(r["audit"]["missing"] for r in reports),
        "problems": [p for r in reports for p in r["audit"]["problems"]],
        "seconds": round(time.monotonic() - started, 1),
        "reports": reports,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--url", action="append", help="checkpointer URL (repeatable; default: a temp SQLite)"
    )
    parser.add_argument("--json", action="store_true", help="print every scenario's report as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crewline-crash-ckpt-") as tmp:
        urls = args.url or [f"sqlite:///{Path(tmp) / 'checkpoints.sqlite'}"]
        figures = run_all(urls)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for report in figures["reports"]:
            audit = report["audit"]
            print(
                f"{report['backend']:<10} {report['scenario']:<32} kills {report['kills']:>3}  "
                f"{report['status']:<11} double {audit['double_applied']}  orphaned {audit['orphaned']}  "
                f"missing {audit['missing']}"
            )
        summary = {
            k: figures[k] for k in ("kills", "runs", "double_applied", "orphaned", "missing", "seconds")
        }
        print(json.dumps(summary))
    clean = not (
        figures["double_applied"] or figures["orphaned"] or figures["missing"] or figures["problems"]
    )
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
