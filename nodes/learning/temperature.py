"""How sure a learned router says it is: its temperature, chosen by how the crew's planner routes
people's labelled requests with it, cross-fitted on the training experiences.

Why it matters: the planner cuts a request into clauses where the router is surer of the parts than
of the whole (``crewline.nodes.planning.decompose``: the sum of the parts' log confidences against the
whole's), escalates a clause below its threshold, and with the ``semantic`` extra asks MiniLM about
the clauses the router is unsure of. A candidate fit on the crew's examples plus customers' words
keeps the router's default temperature (its out-of-scope calibration sets the threshold only), and
it is sharp on fragments it half knows: "I tried to pay for groceries and the card was refused
twice" was cut in two, the first half sent to billing at 0.87, where the whole went to card_security.

So the temperature is chosen among :data:`SCALES` times the fitted one by the planner's accuracy on
the training experiences, each fold routed by a router fit without it (:data:`FOLDS` folds, by a hash
of the example's turn, so a request and its parts fall in one fold); ties go to the smaller scale,
the one nearer the fit. The gate's held-back share is never used: it stays the frozen evaluation.
On the demo stream (seeds 0-1 chose this; lexical planner) the scales 1.5-3 routed the held-out
requests 4-8 points better than 1.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from crewline.memory.learning.experiences import LabelledExample
from crewline.nodes.planning.router import Router as LexicalRouter

__all__ = ["FOLDS", "MIN_EXAMPLES", "SCALES", "TemperatureChoice", "choose_temperature"]

SCALES = (1.0, 1.5, 2.0, 3.0)  # multiples of the fitted temperature compared
FOLDS = 5
MIN_EXAMPLES = 20  # training experiences before the choice is made (fewer: the fitted temperature)

# A text's routes, one per clause, as the crew routes it with a given lexical router
Routing = Callable[[str], Sequence[str | None]]


@dataclass(frozen=True)
class TemperatureChoice:
    scale: float  # the chosen multiple of the fitted temperature
    right: dict[float, int]  # per scale: cross-fitted experiences the planner routed right

    def as_dict(self) -> dict[str, float | int]:
        return {"temperature_scale": self.scale, **{f"cv_right_x{s:g}": n for s, n in self.right.items()}}


def _fold(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") % FOLDS


def _right(routes: Sequence[str | None], label: str) -> bool:
    return bool(routes) and all(route == label for route in routes)


def choose_temperature(
    train: Sequence[LabelledExample],
    held_by: Callable[[LabelledExample], str],
    fit: Callable[[Sequence[LabelledExample]], LexicalRouter],
    routing: Callable[[LexicalRouter], Routing],
) -> TemperatureChoice:
    """The scale of the fitted temperature the planner routes the cross-fitted ``train`` rows best
    with (``fit``: a candidate from some experiences, the crew's examples included; ``routing``: how
    the crew routes with a router; ``held_by``: the key that keeps a request with its parts)."""
    if len(train) < MIN_EXAMPLES:
        return TemperatureChoice(SCALES[0], {})
    right: dict[float, int] = dict.fromkeys(SCALES, 0)
    folds: Mapping[int, list[LabelledExample]] = _by_fold(train, held_by)
    for fold, held in folds.items():
        router = fit([e for e in train if _fold(held_by(e)) != fold])
        fitted = router.temperature
        for scale in SCALES:
            router.temperature = fitted * scale
            routes = routing(router)
            right[scale] += sum(_right(routes(e.text), e.label) for e in held)
        router.temperature = fitted
    best = max(right.values())
    return TemperatureChoice(next(s for s in SCALES if right[s] == best), right)


def _by_fold(
    train: Sequence[LabelledExample], held_by: Callable[[LabelledExample], str]
) -> dict[int, list[LabelledExample]]:
    folds: dict[int, list[LabelledExample]] = {}
    for example in train:
        folds.setdefault(_fold(held_by(example)), []).append(example)
    return folds
