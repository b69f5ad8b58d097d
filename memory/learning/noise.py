"""Label noise: do people's labels contradict the planner's confident routes more than its confidence
says they should?

The planner's confidence is calibrated (a temperature fitted for likelihood): of the clauses it routed
with confidence 0.9, about one in ten is wrong. So when people's labels are right, the number of
labelled clauses whose label differs from the route the planner chose is close to the sum of
``1 - confidence`` over them (a sum of independent coin flips, one per clause). Labels flipped at
random (a broken integration, a careless or hostile labeller) contradict routes the planner was sure
of, and right ones: the disagreements then exceed that sum by several standard deviations.

Only clauses the planner routed with at least :data:`MIN_CONFIDENCE` count: below it the planner's
pick is as likely wrong as right, a flipped label there mostly trades one wrong route for another,
and those clauses add variance, not evidence. On the demo crew's stream (about 118 requests, every
turn labelled by a person; the stream's split and the flipped 30 % chosen by a seed) honest labels
gave z from -2.1 to -0.2 and flipped ones from +2.7 to +6.9 over seeds 0-9; :data:`NOISE_Z` and
:data:`MIN_CONFIDENCE` were chosen on seeds 0-4 and held on 5-9. A new version is not fit on labels
whose ``z`` exceeds :data:`NOISE_Z` (``crewline.nodes.learning.train``).

Disagreements that agree with each other are not noise: a planner confidently wrong on a new kind
of request is corrected the same way every time, and counting those corrections as flips rejected
honest updates (80 clauses confirmed at 0.9 and 20 of a new kind sent to ``billing`` at 0.85 that
people re-routed to ``weather``: z +4.5). So the corrections that form a *consistent group*
(:mod:`crewline.memory.learning.consistency`: one planned route and one label, on requests more
alike each other than the other requests the planner sent there) are left out of the count, both
their disagreements and their expected share; flipped labels scatter and stay in. On the demo stream
(seeds 0-3) no group of honest or flipped labels was consistent (the flipped groups' permutation p
0.014 at the least, the limit 0.002 with five groups), so z is what it was.

The test needs what the planner chose and how sure it was, recorded with each experience
(``LabelledExample.extra``: ``planned``, ``confidence``); examples without them (written by hand, or
recorded before they were kept) are left out, and with fewer than :data:`MIN_EVIDENCE` examples the
test says nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from crewline.memory.learning.experiences import LabelledExample

__all__ = ["MIN_CONFIDENCE", "MIN_EVIDENCE", "NOISE_Z", "LabelNoise", "label_noise"]

# Two standard deviations: honest labels from a calibrated planner cross it about once in 40 updates
# (normal approximation; a rejected update is kept and the next run retries with more data), while
# 30 % flipped labels crossed it on every seed of the demo stream (about 90 confident clauses).
NOISE_Z = 2.0
MIN_CONFIDENCE = 0.5  # clauses routed at least this surely count
MIN_EVIDENCE = 20  # routed, labelled clauses before the test says anything


@dataclass(frozen=True)
class LabelNoise:
    """How often labels contradicted the planner's routes, against what its confidence predicts."""

    examples: int  # labelled clauses the planner had routed with at least MIN_CONFIDENCE
    disagreed: int  # of those, labelled with another route
    expected: float  # sum of 1 - confidence over them
    z: float | None  # (disagreed - expected) / its standard deviation; None: too little evidence
    # per planned route: (clauses, disagreed, expected)
    by_route: dict[str, tuple[int, int, float]] = field(default_factory=dict)
    # consistent corrections left out of the count, per "planned -> label" (``consistency``)
    consistent: dict[str, int] = field(default_factory=dict)

    def noisy(self, limit: float = NOISE_Z) -> bool:
        return self.z is not None and self.z > limit

    def describe(self) -> str:
        if self.z is None:
            found = f"label noise not judged: {self.examples} routed, labelled clauses (< {MIN_EVIDENCE})"
        else:
            found = (
                f"labels contradict the planner on {self.disagreed} of {self.examples} routed clauses, "
                f"{self.expected:.1f} expected from its confidence (z {self.z:+.1f})"
            )
        if self.consistent:
            pairs = ", ".join(f"{pair}: {count}" for pair, count in self.consistent.items())
            found += f"; consistent corrections left out ({pairs})"
        return found

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "noise_examples": self.examples,
            "noise_disagreed": self.disagreed,
            "noise_expected": round(self.expected, 2),
            "noise_z": None if self.z is None else round(self.z, 2),
            "noise_consistent": sum(self.consistent.values()),
        }


def _evidence(example: LabelledExample) -> tuple[str, float] | None:
    """The route the planner chose for the example's clause and its confidence, when recorded."""
    planned = example.extra.get("planned")
    try:
        confidence = float(example.extra.get("confidence", ""))
    except ValueError:
        return None
    if example.kind != "route" or not planned or planned == "None" or not 0.0 <= confidence <= 1.0:
        return None
    return planned, confidence


def _consistent(evidenced: Sequence[tuple[LabelledExample, str, float]]) -> tuple[set[int], dict[str, int]]:
    """Which evidenced examples are consistent corrections (:mod:`consistency`), and how many per
    ``planned -> label``."""
    from crewline.memory.learning.consistency import consistent_groups  # scipy: only when a gate runs

    groups = consistent_groups([(e.text, planned, e.label) for e, planned, _ in evidenced])
    left_out = {index for members in groups.values() for index in members}
    return left_out, {f"{planned} -> {label}": len(m) for (planned, label), m in sorted(groups.items())}


def label_noise(examples: Sequence[LabelledExample], *, consistency: bool = True) -> LabelNoise:
    """The label-noise test over the route examples that carry the planner's choice and confidence;
    ``consistency``: leave out the corrections that agree with each other (see the module doc)."""
    evidenced = [(e, *found) for e in examples if (found := _evidence(e)) is not None]
    left_out, consistent = _consistent(evidenced) if consistency else (set(), {})
    n = disagreed = 0
    expected = variance = 0.0
    by_route: dict[str, tuple[int, int, float]] = {}
    for index, (example, planned, confidence) in enumerate(evidenced):
        if confidence < MIN_CONFIDENCE or index in left_out:
            continue
        wrong = 1.0 - confidence
        differs = example.label != planned
        n += 1
        disagreed += differs
        expected += wrong
        variance += wrong * confidence
        seen, against, predicted = by_route.get(planned, (0, 0, 0.0))
        by_route[planned] = (seen + 1, against + differs, round(predicted + wrong, 2))
    z = None
    if n >= MIN_EVIDENCE:
        # a floor on the deviation: a planner sure of every clause would make one disagreement infinite
        z = (disagreed - expected) / math.sqrt(max(variance, 1.0))
    return LabelNoise(n, disagreed, expected, z, dict(sorted(by_route.items())), consistent)
