"""What a recovery round on Aegra found, and the summary of all rounds: each run the victim was
running at its kill against the bound ``lease + reaper interval + its run time there``, the runs
lost, and the answered turns that still show a placeholder.

Split from :mod:`crewline.evals.benchmarks.aegra_recovery` (which re-exports ``KillRound`` and
``Recovery``): the rounds gather the figures, this module judges and summarises them.
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass, field
from typing import Any

from crewline.evals.benchmarks.aegra_kill_runs import EXPECTED, TERMINAL, Kind, RunRow, Submitted
from crewline.evals.benchmarks.aegra_load import client, percentile, refusals
from crewline.nodes.guards.vault import PLACEHOLDER

__all__ = ["KillRound", "Recovery", "judge_recovery", "placeholders_shown", "print_progress", "summarise"]


@dataclass
class Recovery:
    """One run the victim was running when it was killed."""

    run_id: str
    kind: Kind
    status: str
    recovered_s: float | None  # kill → finished on the other worker
    restarted_s: float | None  # kill → started again on the other worker
    run_s: float | None  # its run there (start → finish)
    bound_s: float | None  # lease + reaper interval + run_s
    within: bool


@dataclass
class KillRound:
    round: int
    victim: str
    submitted: int
    in_flight: dict[str, int]  # runs the victim was running at the kill, by kind
    stranded: int  # runs it had taken off the queue but not started
    stranded_finished_s: list[float] = field(default_factory=list)  # kill → finished, those runs
    recoveries: list[Recovery] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # "kind run_id: status"


def judge_recovery(
    run: Submitted, row: RunRow | None, killed_at: float, restarted: float | None, allowance: float
) -> Recovery:
    status = row.status if row else "missing"
    if row is None or status not in TERMINAL:
        return Recovery(run.run_id, run.kind, status, None, None, None, None, False)
    recovered = row.updated_at - killed_at
    run_s = row.updated_at - restarted if restarted is not None else None
    bound = allowance + run_s if run_s is not None else None
    within = status == EXPECTED[run.kind] and bound is not None and recovered <= bound
    restarted_s = restarted - killed_at if restarted is not None else None
    return Recovery(run.run_id, run.kind, status, recovered, restarted_s, run_s, bound, within)


def placeholders_shown(url: str, key: str, runs: list[Submitted]) -> list[str]:
    """Answered turns whose answer, as the user reads it (the thread's state, revealed at the edge),
    still shows a placeholder: a value the turn had and lost (a status of ``success`` hides it)."""
    shown: list[str] = []
    with client(url, key) as user:
        for run in runs:
            reply = user.get(f"/threads/{run.thread_id}/state")
            values = reply.json().get("values") if reply.status_code == 200 else None
            answer = str((values or {}).get("answer", ""))
            if reply.status_code != 200 or PLACEHOLDER.search(answer):
                shown.append(f"{run.run_id}: {reply.status_code} {answer[:200]}")
    return shown


def summarise(
    rounds: list[KillRound],
    allowance: float,
    audit: dict[str, Any],
    total_runs: int,
    lost: list[str],
    shown: list[str],
) -> dict[str, Any]:
    recoveries = [r for kill in rounds for r in kill.recoveries]
    recovered = [r.recovered_s for r in recoveries if r.recovered_s is not None]
    restarted = [r.restarted_s for r in recoveries if r.restarted_s is not None]
    over = [
        r.recovered_s - r.bound_s for r in recoveries if r.recovered_s is not None and r.bound_s is not None
    ]
    stranded = [s for kill in rounds for s in kill.stranded_finished_s]

    def spread(values: list[float]) -> dict[str, float] | None:
        if not values:
            return None
        return {
            "p50": round(statistics.median(values), 3),
            "p95": round(percentile(values, 0.95), 3),
            "max": round(max(values), 3),
        }

    return {
        "kills": len(rounds),
        "kills_with_runs_in_flight": sum(bool(sum(k.in_flight.values())) for k in rounds),
        "runs_submitted": total_runs,
        "runs_in_flight_at_kills": {kind: sum(k.in_flight.get(kind, 0) for k in rounds) for kind in EXPECTED},
        "recovered_within_bound": f"{sum(r.within for r in recoveries)}/{len(recoveries)}",
        "bound": f"lease + reaper interval ({allowance:g} s) + the run's own time on the other worker",
        "recovery_s": spread(recovered),
        "kill_to_restart_s": spread(restarted),
        "worst_recovery_minus_bound_s": round(max(over), 3) if over else None,
        "stranded_runs": len(stranded),
        "stranded_kill_to_finish_s": spread(stranded),
        "server_errors_retried": len(refusals),
        "lost": len(lost),
        "lost_runs": lost,
        "answered_showing_a_placeholder": len(shown),
        "placeholder_answers": shown,
        **audit,
    }


def print_progress(kill: KillRound) -> None:
    done = [r for r in kill.recoveries if r.recovered_s is not None]
    worst = max(done, key=lambda r: r.recovered_s or 0.0, default=None)
    line = (
        f"kill {kill.round + 1:2d} ({kill.victim}): {sum(kill.in_flight.values())} in flight {kill.in_flight}"
    )
    if worst is not None and worst.bound_s is not None:
        line += f", slowest recovered in {worst.recovered_s:.1f} s (bound {worst.bound_s:.1f} s)"
    line += f", stranded {kill.stranded}, lost {len(kill.lost)}"
    print(line, file=sys.stderr, flush=True)
