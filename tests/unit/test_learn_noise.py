"""Flipped labels are caught before they are learned: people's labels that contradict the planner's
confident routes far more often than its confidence predicts reject the update, whatever its
figures; honest labels, and labels without a recorded plan, pass."""

from __future__ import annotations

from dataclasses import replace

from crewline.memory.learning.experiences import Clause, Feedback, LabelledExample, Turn
from crewline.memory.learning.labels import route_examples
from crewline.memory.learning.noise import MIN_EVIDENCE, label_noise
from crewline.memory.learning.registry import RouterRegistry
from crewline.nodes.learning.train import EvalRow, held_back, learn_router
from tests.support.learning import BASE, PHRASINGS, experiences

CREW_ROWS = [
    EvalRow("what's the weather in Paris", "weather"),
    EvalRow("how much do I owe this month", "billing"),
    EvalRow("how many yen for a euro", "rates"),
]
ROUTES = list(PHRASINGS)


def _flip(route: str) -> str:
    return ROUTES[(ROUTES.index(route) + 1) % len(ROUTES)]


def _as_served(examples: list[LabelledExample], *, flip_share: float = 0.0) -> list[LabelledExample]:
    """The examples as a crew records them: the planner chose the right route with confidence 0.95,
    and a person labelled it (``flip_share`` of them with the next route instead)."""
    served = []
    for example in examples:
        label = _flip(example.label) if held_back("flip:" + example.key, flip_share) else example.label
        extra = {"planned": example.label, "confidence": "0.95"}
        served.append(replace(example, label=label, extra=extra))
    return served


def test_honest_labels_pass_and_flipped_ones_are_caught() -> None:
    honest = label_noise(_as_served(experiences()))
    assert honest.examples == len(experiences()) and not honest.noisy()
    flipped = label_noise(_as_served(experiences(), flip_share=0.3))
    assert flipped.noisy(), flipped.describe()
    assert flipped.disagreed > 2 * flipped.expected
    assert "contradict the planner on" in flipped.describe()


def test_labels_without_a_recorded_plan_or_too_few_are_not_judged() -> None:
    unplanned = experiences()  # written by hand: no planned route, no confidence
    assert label_noise(unplanned).z is None and not label_noise(unplanned).noisy()
    few = _as_served(experiences(), flip_share=1.0)[: MIN_EVIDENCE - 1]
    assert label_noise(few).z is None
    unsure = [
        replace(e, extra={**e.extra, "confidence": "0.3"}) for e in _as_served(experiences(), flip_share=0.5)
    ]
    assert label_noise(unsure).examples == 0  # a coin-flip route says nothing about its label


def test_a_recorded_turn_carries_the_planners_choice_into_its_labels() -> None:
    turn = Turn("t-1", 1, "learners", "brolly in Leeds?", (Clause("brolly in Leeds?", "billing", 0.72),))
    [example] = route_examples([turn], [Feedback("t-1", 1, route="weather", recorded_at=1.0)])
    assert (example.label, example.extra) == ("weather", {"planned": "billing", "confidence": "0.7200"})


def test_the_gate_rejects_an_update_learned_from_flipped_labels_and_promotes_honest_ones() -> None:
    poisoned = learn_router(
        RouterRegistry("learners"), BASE, CREW_ROWS, _as_served(experiences(), flip_share=0.3)
    )
    assert poisoned.record.status == "rejected"
    assert poisoned.record.reason.startswith("rejected: label noise:"), poisoned.record.reason
    assert poisoned.record.checks["noise_z"] > 2
    honest = learn_router(RouterRegistry("learners"), BASE, CREW_ROWS, _as_served(experiences()))
    assert honest.record.status == "promoted", honest.record.reason
    assert RouterRegistry("learners").current_version() == honest.record.version
