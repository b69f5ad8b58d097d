"""The candidate's temperature is chosen by how the crew's planner routes people's labelled requests
with it, cross-fitted on the training experiences: the chosen scale is the one that routed the most
right (the smaller on a tie), the promoted artifact carries it, and too few experiences keep the
fitted temperature."""

from __future__ import annotations

from collections.abc import Sequence

from crewline.memory.learning.experiences import LabelledExample
from crewline.memory.learning.registry import RouterRegistry
from crewline.nodes.learning.temperature import MIN_EXAMPLES, SCALES
from crewline.nodes.learning.train import (
    CREW_WEIGHT,
    EvalRow,
    LearnOptions,
    fit_candidate,
    held_back,
    learn_router,
)
from crewline.nodes.planning.background import BACKGROUND
from crewline.nodes.planning.router import Router
from tests.support.learning import BASE, experiences

CREW_ROWS = [EvalRow("what's the weather in Paris", "weather"), EvalRow("how much do I owe", "billing")]


def _fitted_temperature(examples: Sequence[LabelledExample]) -> float:
    rows = {route: [*texts] * CREW_WEIGHT for route, texts in BASE.items()}
    for example in examples:
        rows[example.label].append(example.text)
    return fit_candidate(rows, out_of_scope=BACKGROUND).temperature


def test_the_promoted_router_carries_the_scale_that_routed_the_most_cross_fitted_requests_right() -> None:
    result = learn_router(RouterRegistry("learners"), BASE, CREW_ROWS, experiences())
    assert result.record.status == "promoted", result.record.reason
    checks = result.record.checks
    right = {scale: checks[f"cv_right_x{scale:g}"] for scale in SCALES}
    best = max(right.values())
    assert checks["temperature_scale"] == min(s for s in SCALES if right[s] == best)
    train = [e for e in experiences() if not held_back(e.key, LearnOptions().holdout)]
    assert 0 < best <= len(train)  # counted on the training rows only, never the gate's share
    _, artifact = RouterRegistry("learners").current()
    assert artifact is not None
    expected = _fitted_temperature(train) * checks["temperature_scale"]
    assert abs(Router.load(artifact).temperature - expected) < 1e-6


def test_few_experiences_or_the_option_off_keep_the_fitted_temperature() -> None:
    few = learn_router(RouterRegistry("few"), BASE, CREW_ROWS, experiences()[: MIN_EXAMPLES - 5])
    assert few.record.checks["temperature_scale"] == 1.0
    assert not any(name.startswith("cv_right") for name in few.record.checks)
    off = learn_router(
        RouterRegistry("off"), BASE, CREW_ROWS, experiences(), LearnOptions(choose_temperature=False)
    )
    assert "temperature_scale" not in off.record.checks
