"""The promotion gate: a candidate replaces the current version only when it is measurably better.

Promoted when, on the frozen evaluation set, the candidate is not worse than the current version on
any guarded metric by more than ``margin`` and better on at least one by at least ``min_gain``.
Otherwise rejected, and the reason names the metric that decided. A ``check`` metric (the share of
generic out-of-scope requests the crew declines) can stop a candidate and never promote one: the
candidate's threshold is set on those very requests, so a gain there says nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["GateDecision", "decide"]


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reason: str


def decide(
    candidate: Mapping[str, float],
    current: Mapping[str, float],
    guarded: Sequence[str],
    *,
    margin: float = 0.01,
    min_gain: float = 0.005,
    checks: Sequence[str] = (),
) -> GateDecision:
    """Compare ``candidate`` with ``current`` on the ``guarded`` metrics and the ``checks`` (higher is
    better; a check only stops)."""
    measured = [m for m in guarded if m in candidate and m in current]
    if not measured:
        return GateDecision(False, "no guarded metric could be measured: the evaluation set is empty")
    checked = [m for m in checks if m in candidate and m in current]
    worse = [
        (m, current[m] - candidate[m]) for m in [*measured, *checked] if candidate[m] < current[m] - margin
    ]
    if worse:
        metric, drop = max(worse, key=lambda item: item[1])
        return GateDecision(
            False,
            f"rejected: {metric} {current[metric]:.3f} -> {candidate[metric]:.3f} "
            f"(drop {drop:.3f} > margin {margin:.3f})",
        )
    better = [(m, candidate[m] - current[m]) for m in measured if candidate[m] >= current[m] + min_gain]
    if not better:
        return GateDecision(False, f"rejected: no guarded metric improved by {min_gain:.3f} or more")
    metric, gain = max(better, key=lambda item: item[1])
    return GateDecision(
        True, f"promoted: {metric} {current[metric]:.3f} -> {candidate[metric]:.3f} (+{gain:.3f}), none worse"
    )
