"""Flipped labels are caught before they are learned: people's labels that contradict the planner's
confident routes far more often than its confidence predicts reject the update, whatever its
figures; honest labels, and labels without a recorded plan, pass."""

from __future__ import annotations

import hashlib
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


UMBRELLAS = ("brolly", "umbrella")  # the two weather phrasings the planner gets wrong below


def _confidently_wrong_on_a_new_kind() -> list[LabelledExample]:
    """The planner confirms most requests at 0.9 but sends a new kind of request (umbrellas: 20 of
    them) to ``billing`` at 0.85, and people re-route every one to ``weather``."""
    return [
        replace(e, extra={"planned": "billing", "confidence": "0.85"})
        if any(word in e.text for word in UMBRELLAS)
        else replace(e, extra={"planned": e.label, "confidence": "0.9"})
        for e in experiences()
    ]


def _scattered_against_billing() -> list[LabelledExample]:
    """The planner routes every request right at 0.97, and 8 of billing's 20 requests, drawn at
    random over its kinds of request, are labelled ``weather`` (flips against one route)."""
    billing = sorted(
        (e for e in experiences() if e.label == "billing"),
        key=lambda e: hashlib.sha256(e.key.encode()).digest(),
    )
    flipped = {e.key for e in billing[:8]}
    return [
        replace(
            e,
            label="weather" if e.key in flipped else e.label,
            extra={"planned": e.label, "confidence": "0.97"},
        )
        for e in experiences()
    ]


def test_honest_corrections_of_a_confidently_wrong_planner_agree_and_pass() -> None:
    """Before the consistency test, these 20 disagreements at 0.85 gave z +4.5 and were rejected."""
    corrected = _confidently_wrong_on_a_new_kind()
    counted = label_noise(corrected, consistency=False)
    assert counted.noisy() and counted.disagreed == 20  # what the count alone says
    noise = label_noise(corrected)
    assert noise.consistent == {"billing -> weather": 20} and not noise.noisy(), noise.describe()
    assert "consistent corrections left out (billing -> weather: 20)" in noise.describe()
    assert noise.as_dict()["noise_consistent"] == 20


def test_labels_against_one_route_that_scatter_over_its_requests_stay_noisy() -> None:
    noise = label_noise(_scattered_against_billing())
    assert noise.consistent == {} and noise.noisy(), noise.describe()


def test_the_gate_promotes_consistent_corrections_and_still_rejects_flips_among_them() -> None:
    honest = learn_router(RouterRegistry("learners"), BASE, CREW_ROWS, _confidently_wrong_on_a_new_kind())
    assert honest.record.status == "promoted", honest.record.reason
    flipped = [
        replace(e, label=_flip(e.label)) if held_back("flip:" + e.key, 0.3) else e
        for e in _confidently_wrong_on_a_new_kind()
    ]
    poisoned = learn_router(RouterRegistry("learners-flipped"), BASE, CREW_ROWS, flipped)
    assert poisoned.record.status == "rejected"
    assert poisoned.record.reason.startswith("rejected: label noise:"), poisoned.record.reason
