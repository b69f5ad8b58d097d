"""The router's out-of-scope threshold: set for a wanted recall on held-out rows, at fit or later."""

from __future__ import annotations

import random

import numpy as np
import pytest

from crewline.nodes.planning.calibration import fit_temperature, oos_threshold
from crewline.nodes.planning.router import Router

TOPICS = {
    "billing": ["balance", "invoice", "payment", "bill", "statement", "amount due"],
    "cards": ["card", "pin", "frozen card", "stolen card", "lost card", "card limit"],
    "travel": ["flight", "hotel", "train ticket", "boarding pass", "luggage", "car rental"],
}
FRAMES = ["what is my {}", "help me with my {}", "show the {}", "i have a question about my {}", "{} please"]
OUT = ["weather", "recipe", "song", "joke", "movie", "poem", "football score", "horoscope", "capital", "tax"]
OUT_FRAMES = ["tell me a {}", "what is the {} today", "find a {}", "give me the {}", "i want a {}"]


def _rows(oos_count: int) -> tuple[list[str], list[str]]:
    rng = random.Random(7)
    texts: list[str] = []
    labels: list[str] = []
    for route, words in TOPICS.items():
        for _ in range(60):
            texts.append(rng.choice(FRAMES).format(rng.choice(words)))
            labels.append(route)
    for _ in range(oos_count):
        texts.append(rng.choice(OUT_FRAMES).format(rng.choice(OUT)))
        labels.append("oos")
    return texts, labels


def test_threshold_sends_the_wanted_share_of_out_of_scope_rows_to_none() -> None:
    margins = [3.0, -1.0, 1.0, 0.0, 2.0]
    threshold = oos_threshold(margins, 0.8)
    assert threshold == 2.5  # four of five margins are <= 2.5, and 2.5 sits between 2 and 3
    assert sum(m <= threshold for m in margins) == 4
    assert oos_threshold(margins, 1.0) > 3.0
    with pytest.raises(ValueError, match="oos_recall"):
        oos_threshold(margins, 0.0)
    with pytest.raises(ValueError, match="no out-of-scope rows"):
        oos_threshold([], 0.8)


def test_temperature_is_sharper_when_the_scores_are_right_and_flatter_when_wrong() -> None:
    logits = np.asarray([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]])
    right = fit_temperature(logits, np.asarray([0, 1, 2]), 0.25)
    mixed = fit_temperature(logits, np.asarray([0, 1, 0]), 0.25)
    assert right < mixed
    assert fit_temperature(np.zeros((0, 3)), np.zeros(0, dtype=np.int64), 0.25) == 0.25


def test_fit_sets_the_threshold_on_its_out_of_scope_examples_when_it_has_enough() -> None:
    texts, labels = _rows(oos_count=60)
    router = Router().fit_rows(texts, labels, oos_label="oos")
    calibration = router.calibration
    assert calibration is not None
    assert calibration.oos_rows == 60
    assert router.threshold == calibration.threshold == router.none_threshold
    assert router.route("tell me a joke about the weather").route is None
    assert router.route("what is my card limit").route == "cards"
    assert router.route("show the invoice").route == "billing"


def test_fit_keeps_the_scale_default_without_enough_examples_or_when_told() -> None:
    texts, labels = _rows(oos_count=15)  # too few to set a recall on
    router = Router().fit_rows(texts, labels, oos_label="oos")
    assert router.calibration is None and router.threshold is None and router.none_threshold == 0.0
    texts, labels = _rows(oos_count=60)
    assert Router(oos_recall=None).fit_rows(texts, labels, oos_label="oos").calibration is None
    given = Router(threshold=0.4).fit_rows(texts, labels, oos_label="oos")
    assert given.calibration is None and given.threshold == 0.4


def test_a_refit_recalibrates_instead_of_keeping_the_previous_threshold() -> None:
    router = Router()
    texts, labels = _rows(oos_count=60)
    router.fit_rows(texts, labels, oos_label="oos")
    assert router.calibration is not None
    calibrated = router.threshold
    router.fit_rows(texts[:180], labels[:180])  # no out-of-scope rows now: not the earlier calibration
    fresh = Router().fit_rows(texts[:180], labels[:180])
    assert router.calibration is None and router.threshold == fresh.threshold != calibrated


def test_wanted_recall_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="oos_recall"):
        Router(oos_recall=1.5)
