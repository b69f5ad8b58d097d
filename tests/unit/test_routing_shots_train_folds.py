"""The ``--train-folds`` measure: stratified folds of the training set and accuracy at a recall."""

from __future__ import annotations

import numpy as np

from crewline.evals.benchmarks.routing_shots import _stratified_folds, accuracy_at_recall
from crewline.evals.routing import LabelledRow

ROWS = [LabelledRow(f"row {n}", (label,), n) for n, label in enumerate(["a"] * 10 + ["b"] * 5 + ["oos"] * 5)]


def test_every_fold_holds_an_even_share_of_each_label_and_the_draw_repeats() -> None:
    folds = _stratified_folds(ROWS, 5)
    for label, size in (("a", 2), ("b", 1), ("oos", 1)):
        per_fold = [
            sum(1 for row, f in zip(ROWS, folds, strict=True) if f == k and row.labels[0] == label)
            for k in range(5)
        ]
        assert per_fold == [size] * 5
    assert folds == _stratified_folds(ROWS, 5)


def test_accuracy_is_read_where_none_first_takes_the_wanted_share_of_out_of_scope_rows() -> None:
    # Two groups and *none*: the in-scope rows are right, one out-of-scope row is far more in scope
    # than the other, so 0.5 recall costs nothing and full recall costs the least sure in-scope row.
    options = np.asarray(
        [[0.9, 0.05, 0.05], [0.1, 0.6, 0.3], [0.95, 0.03, 0.02], [0.1, 0.1, 0.8], [0.7, 0.2, 0.1]]
    )
    gold = np.asarray([0, 1, 0, 2, 2])
    assert accuracy_at_recall(options, gold, 0.5) == 1.0
    assert accuracy_at_recall(options, gold, 1.0) == round(2 / 3, 4)
