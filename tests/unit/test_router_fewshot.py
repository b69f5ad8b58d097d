"""Routing from a handful of examples a route and no out-of-scope rows (planning.fewshot)."""

from __future__ import annotations

import argparse
import json

import pytest

from crewline.evals.datasets import DatasetError
from crewline.evals.routing import (
    LabelledRow,
    evaluate_routing,
    fit_router,
    read_labelled,
    run,
    sample_shots,
)
from crewline.nodes.planning.background import BACKGROUND
from crewline.nodes.planning.fewshot import balanced_threshold
from tests.support.shared_data import require_shared


def test_the_threshold_rejects_the_most_out_of_scope_rows_a_small_loss_allows() -> None:
    held = [float(m) for m in range(100)]  # margins 0..99, all routed right
    correct = [True] * 100
    oos = [-5.0, 1.5, 3.5, 50.0]
    threshold = balanced_threshold(held, correct, oos, max_loss=0.05)
    # five right rows may be lost; 3.5 already rejects three out-of-scope rows (50 never can)
    assert 3.5 <= threshold < 4
    assert sum(m <= threshold for m in held) == 4 and sum(m <= threshold for m in oos) == 3


def test_rows_the_router_gets_wrong_cost_nothing_when_rejected() -> None:
    held = [0.0, 1.0, 2.0, 10.0, 11.0, 12.0]
    correct = [False, False, False, True, True, True]
    threshold = balanced_threshold(held, correct, [1.0, 2.5, 3.0], max_loss=0.0)
    assert 3.0 <= threshold < 10.0  # every out-of-scope row rejected, no right row lost


def test_shots_are_k_rows_a_label_the_same_for_a_seed_and_never_out_of_scope() -> None:
    rows = [LabelledRow(f"{label} {i}", (label,), i) for label in ("a", "b", "oos") for i in range(20)]
    first = sample_shots(rows, 5, seed=3, oos_label="oos")
    assert [r.labels[0] for r in first] == ["a"] * 5 + ["b"] * 5
    assert sample_shots(rows, 5, seed=3, oos_label="oos") == first
    assert sample_shots(rows, 5, seed=4, oos_label="oos") != first
    assert len(sample_shots(rows, 50, seed=0, oos_label="oos")) == 40  # a label's rows, at most


def test_bad_shots_is_a_clear_error() -> None:
    args = argparse.Namespace(oos_recall=0.8, shots=0)
    with pytest.raises(DatasetError, match="--shots"):
        run(args)


def test_the_built_in_out_of_scope_requests_are_not_clinc150s() -> None:
    data = require_shared("clinc150")
    texts = set()
    for name in ("train.jsonl", "val.jsonl", "multi_val.jsonl"):
        texts |= {json.loads(line)["text"].strip().lower() for line in (data / name).open()}
    assert not texts & {text.lower() for text in BACKGROUND}


def test_five_examples_an_intent_keep_the_answerable_requests_and_reject_out_of_scope() -> None:
    # Before: the scale-default threshold rejected half the answerable requests (0.52 accuracy,
    # out-of-scope recall 0.97 on val for this draw).
    data = require_shared("clinc150")
    train = sample_shots(read_labelled(data / "train.jsonl", "intent"), 5, seed=0, oos_label="oos")
    router = fit_router(data / "train.jsonl", "intent", oos_label="oos", train=train, oos_recall=0.8)
    figures = evaluate_routing(router, read_labelled(data / "val.jsonl", "intent"), oos_label="oos")
    assert figures["accuracy"] >= 0.65 and figures["oos_recall"] >= 0.5
