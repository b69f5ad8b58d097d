"""The few-shot benchmark's held-out train rows: settings are chosen on rows no fit saw, never val."""

from __future__ import annotations

from crewline.evals.benchmarks.routing_shots import held_out_train, top_right
from crewline.evals.routing import LabelledRow, sample_shots
from crewline.nodes.planning.router import Router

TRAIN = [
    LabelledRow(text, (label,), line)
    for line, (text, label) in enumerate(
        [(f"what is my balance number {n}", "balance") for n in range(30)]
        + [(f"freeze my card right now {n}", "freeze") for n in range(30)]
        + [(f"tell me a joke about cats {n}", "oos") for n in range(5)],
        start=1,
    )
]


def test_held_out_rows_are_none_of_the_drawn_ones_twenty_a_label_and_every_oos_row() -> None:
    drawn = sample_shots(TRAIN, 5, seed=10, oos_label="oos")
    held = held_out_train(TRAIN, drawn, seed=10)
    assert not {row.line for row in drawn} & {row.line for row in held}
    counts: dict[str, int] = {}
    for row in held:
        counts[row.labels[0]] = counts.get(row.labels[0], 0) + 1
    assert counts == {"balance": 20, "freeze": 20, "oos": 5}
    assert held == held_out_train(TRAIN, drawn, seed=10)  # the same seed, the same rows
    assert held != held_out_train(TRAIN, drawn, seed=11)


def test_top_right_counts_the_best_route_even_where_none_wins() -> None:
    router = Router(threshold=5.0).fit_rows(["what is my balance", "freeze my card"], ["balance", "freeze"])
    rows = [LabelledRow("my balance please", ("balance",), 1), LabelledRow("hello", ("oos",), 2)]
    assert router.route("my balance please").route is None  # the threshold rejects everything
    assert top_right(router, rows) == 1.0  # out-of-scope rows are not counted
    assert top_right(router, rows[1:]) is None
