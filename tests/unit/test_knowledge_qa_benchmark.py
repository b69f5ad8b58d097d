"""The knowledge benchmark's question file and the answer-confidence threshold rule (issue 16)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crewline.evals.benchmarks.knowledge_qa import ROUNDS, TUNING, load_questions
from crewline.evals.rag_calibration import threshold


def test_every_round_is_held_out_and_reported_apart(tmp_path: Path) -> None:
    questions = load_questions()
    splits = {q.split for q in questions}
    assert splits == {"dev", "held_out", *ROUNDS, *TUNING}
    for split in ROUNDS:
        part = [q for q in questions if q.split == split]
        assert all(q.held_out for q in part)
        assert all(q.first_run in ("correct", "abstained", "wrong", "fragment") for q in part)
    fresh2 = [q for q in questions if q.split == "fresh2"]
    assert sum(q.expect is not None for q in fresh2) >= 30 and sum(q.expect is None for q in fresh2) >= 10
    for split in TUNING:  # written to tune on: never held out, no first run to report
        assert all(not q.held_out and q.first_run is None for q in questions if q.split == split)
    for split in ("fresh3", "fresh4", "fresh5", "fresh6"):  # issue 16: >= 60 answerable, >= 15 not
        part = [q for q in questions if q.split == split]
        assert sum(q.expect is not None for q in part) >= 60 and sum(q.expect is None for q in part) >= 15
    fresh10 = [q for q in questions if q.split == "fresh10"]  # its own file; near-topic unanswerable ones
    assert sum(q.expect is not None for q in fresh10) >= 60 and sum(q.expect is None for q in fresh10) >= 25


def test_every_expected_fact_is_stated_by_the_article_named() -> None:
    # an expression no article sentence can match would count a right answer as wrong
    docs = Path(__file__).parents[2] / "tools" / "demo_data" / "docs"
    for q in load_questions():
        if q.expect is not None and q.doc is not None:
            assert q.expect.search((docs / f"{q.doc}.md").read_text("utf-8")), q.text


def test_an_unknown_round_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("answerable:\n  - q: x?\n    expect: x\n    round: later\nunanswerable: []\n", "utf-8")
    with pytest.raises(KeyError, match="unknown round 'later'"):
        load_questions(path)


def test_the_threshold_is_the_lowest_that_keeps_each_collection_at_its_own_floor() -> None:
    # collection 0 must abstain on 0.5 of its 4 negatives, collection 1 on all 2 of its own
    oof = np.array([0.1, 0.3, 0.5, 0.7, 0.9, 0.2, 0.4, 0.95])
    should_abstain = np.array([True, True, True, True, False, True, True, False])
    group = np.array([0, 0, 0, 0, 0, 1, 1, 1])
    assert threshold(oof, should_abstain, group, (0.5, 1.0)) == 0.41  # 0.4 must be under it
    assert threshold(oof, should_abstain, group, (0.75, 0.5)) == 0.51  # now collection 0 binds
