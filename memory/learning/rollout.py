"""When a version in service is worse than the one it is compared with: the rollback thresholds.

Two comparisons share these rules. A **canary** chat-model version is compared with the **control**
(the stable version serving the other threads at the same time); a freshly promoted **learned
router** is compared with the version it replaced (its figures from before the promotion). Either
way a version is judged only once it has served ``min_samples`` of the unit a rate is counted over
(model calls for the error rate, interactions for the others): before that a few unlucky requests
would decide. A rate breaches when it **surely** exceeds the reference's by more than its allowed
increase: the lower end of a one-sided confidence interval (``confidence``, 97.5 %) for the
difference of the two rates (Newcombe's hybrid score interval, from both rates' Wilson intervals)
lies above the allowed increase. Why not the observed rates themselves: over 20 turns a rate moves by
a tenth on two requests, and two honest learned routers were rolled back on such noise (demo stream,
seeds 4 and 5: groundedness failures 4 of 21 turns against 0.089, out of scope 6 of 20 against 0.089);
a version failing every call is still caught at the ``min_samples``-th (20 of 20 is at least 0.83 at
97.5 %). The watch looks again after every turn, so the level is stricter than one look needs:
simulated (120 reference turns, 20-86 looks), an honest version half the allowed increase worse is
rolled back 0.4-2.3 % of the time (observed rates: 25-54 %), and one 0.3 above the reference's rate
and the allowed 0.2 within a median 21 turns.

Cost per interaction breaches when it exceeds ``max_cost_ratio`` times the reference's. When the
reference itself has fewer than ``min_samples`` the canary is held to absolute limits instead (the
reference counted as exactly 0 and cost left unjudged): a control that has barely run says nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["RATES", "RolloutThresholds", "VersionStats", "breaches", "surest_increase", "wilson"]


class RolloutThresholds(BaseModel):
    """The crew spec's ``models.rollout`` section (also ``RolloutThresholds(...)`` in Python)."""

    model_config = ConfigDict(extra="forbid")

    min_samples: int = Field(default=20, ge=1, description="model calls / interactions before judging")
    max_error_rate_increase: float = Field(default=0.2, ge=0, le=1, description="model calls failing")
    max_escalation_rate_increase: float = Field(default=0.2, ge=0, le=1)
    max_groundedness_failure_increase: float = Field(default=0.1, ge=0, le=1)
    max_out_of_scope_rate_increase: float = Field(default=0.2, ge=0, le=1, description="learned routers")
    max_rejection_rate_increase: float = Field(default=0.2, ge=0, le=1, description="learned routers")
    max_cost_ratio: float = Field(default=2.0, gt=0, description="cost per interaction, times control's")
    confidence: float = Field(
        default=0.975,
        ge=0.5,
        lt=1,
        description="how sure a rate's increase must be to exceed the allowed one (one-sided; 0.5: the "
        "observed rates alone)",
    )
    auto_rollback: bool = Field(default=True, description="false: breaches are reported, nothing rolls back")
    assign_by: Literal["thread", "user"] = Field(
        default="thread",
        description="what the canary share hashes: the thread id, or the user id (configurable user_id; "
        "a run without one falls back to its thread), so all of a user's conversations share a version",
    )


@dataclass(frozen=True)
class VersionStats:
    """What one version did in service (counted in the model registry, shared by every host)."""

    calls: int = 0  # model calls routed to this version
    errors: int = 0  # of those, calls its own primary model did not answer (fallback, or none)
    interactions: int = 0  # finished turns of threads assigned to it
    escalations: int = 0
    ungrounded: int = 0  # turns with a failed groundedness check
    out_of_scope: int = 0  # turns declined as out of scope
    rejections: int = 0  # human decisions that rejected what the crew proposed
    cost_usd: float = 0.0

    def rate(self, name: str) -> float | None:
        numerator, denominator = RATES[name]
        total = getattr(self, denominator)
        return getattr(self, numerator) / total if total else None

    @property
    def cost_per_interaction(self) -> float | None:
        return self.cost_usd / self.interactions if self.interactions else None

    def as_dict(self) -> dict[str, float | int | None]:
        figures: dict[str, float | int | None] = {
            "calls": self.calls,
            "errors": self.errors,
            "interactions": self.interactions,
            "escalations": self.escalations,
            "ungrounded": self.ungrounded,
            "out_of_scope": self.out_of_scope,
            "rejections": self.rejections,
            "cost_usd": round(self.cost_usd, 8),
        }
        for name in RATES:
            value = self.rate(name)
            figures[name] = None if value is None else round(value, 4)
        cpi = self.cost_per_interaction
        figures["cost_per_interaction"] = None if cpi is None else round(cpi, 8)
        return figures


# rate name -> (numerator, denominator) of VersionStats
RATES: Mapping[str, tuple[str, str]] = {
    "error_rate": ("errors", "calls"),
    "escalation_rate": ("escalations", "interactions"),
    "groundedness_failure_rate": ("ungrounded", "interactions"),
    "out_of_scope_rate": ("out_of_scope", "interactions"),
    "rejection_rate": ("rejections", "interactions"),
}
_ALLOWED = {
    "error_rate": "max_error_rate_increase",
    "escalation_rate": "max_escalation_rate_increase",
    "groundedness_failure_rate": "max_groundedness_failure_increase",
    "out_of_scope_rate": "max_out_of_scope_rate_increase",
    "rejection_rate": "max_rejection_rate_increase",
}
CANARY_RATES = ("error_rate", "escalation_rate", "groundedness_failure_rate")
ROUTER_RATES = ("escalation_rate", "out_of_scope_rate", "groundedness_failure_rate", "rejection_rate")


def wilson(hits: int, total: int, z: float) -> tuple[float, float]:
    """The Wilson score interval of ``hits / total`` at ``z`` (never outside [0, 1], sound at 0 and n)."""
    if total <= 0:
        return 0.0, 1.0
    share = hits / total
    spread = 1 + z * z / total
    centre = (share + z * z / (2 * total)) / spread
    half = z * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total)) / spread
    return max(0.0, centre - half), min(1.0, centre + half)


def surest_increase(hits: int, total: int, reference: tuple[int, int] | None, confidence: float) -> float:
    """The least the rate ``hits / total`` exceeds the reference's by, at one-sided ``confidence``
    (Newcombe's hybrid score interval for a difference of proportions; ``reference`` ``None``: a
    reference rate of exactly 0)."""
    if total <= 0:
        return -math.inf  # nothing observed: no increase is sure
    z = NormalDist().inv_cdf(confidence)
    # A count can exceed its denominator (a turn's escalation is counted for every version that served
    # the thread, an interaction only on a model call): a rate is at most 1, as the old rule read it.
    hits = min(max(hits, 0), total)
    share = hits / total
    low, _ = wilson(hits, total, z)
    if reference is None or reference[1] <= 0:
        return low
    their_total = reference[1]
    their_hits = min(max(reference[0], 0), their_total)
    theirs = their_hits / their_total
    _, their_high = wilson(their_hits, their_total, z)
    return share - theirs - math.sqrt((share - low) ** 2 + (their_high - theirs) ** 2)


def breaches(
    version: VersionStats,
    reference: VersionStats,
    thresholds: RolloutThresholds,
    *,
    rates: tuple[str, ...] = CANARY_RATES,
    judge_cost: bool = True,
) -> list[str]:
    """Every threshold ``version`` breaches against ``reference``, in words ([] : none, or too few
    samples to say, or an increase over the allowed one that chance explains)."""
    found: list[str] = []
    enough = thresholds.min_samples
    for name in rates:
        denominator = RATES[name][1]
        if getattr(version, denominator) < enough:
            continue
        numerator = RATES[name][0]
        value = version.rate(name) or 0.0
        trusted = getattr(reference, denominator) >= enough
        base = (reference.rate(name) or 0.0) if trusted else 0.0
        allowed = float(getattr(thresholds, _ALLOWED[name]))
        counts = (getattr(reference, numerator), getattr(reference, denominator)) if trusted else None
        surely = surest_increase(
            getattr(version, numerator), getattr(version, denominator), counts, thresholds.confidence
        )
        if value > base + allowed and surely > allowed:
            against = f"{base:.3f}" if trusted else "0 (reference has too few samples)"
            found.append(
                f"{name} {value:.3f} over {getattr(version, denominator)} {denominator} > "
                f"{against} + {allowed:.3f} (at least +{surely:.3f} at {thresholds.confidence:.1%})"
            )
    mine, theirs = version.cost_per_interaction, reference.cost_per_interaction
    if (
        judge_cost
        and mine is not None
        and theirs is not None
        and version.interactions >= enough
        and reference.interactions >= enough
        and theirs > 0
        and mine > theirs * thresholds.max_cost_ratio
    ):
        found.append(
            f"cost per interaction ${mine:.6f} > {thresholds.max_cost_ratio:g} x control's ${theirs:.6f}"
        )
    return found
