"""The few-shot benchmark's held-out train rows: settings are chosen on rows no fit saw, never val."""

from __future__ import annotations

from crewline.evals.benchmarks.routing_shots import held_out_train, pooled_by_group, top_right
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


def test_a_domain_pooled_from_its_intents_is_in_scope_though_no_intent_beats_none() -> None:
    # Two card intents alike, one balance intent: "my card" is split between the card intents.
    texts = ["freeze my card", "lock my card", "my card is lost", "I lost my card", "what is my balance"]
    intents = ["freeze", "freeze", "lost", "lost", "balance"]
    router = Router(threshold=0.3, temperature=1.0).fit_rows(texts, intents)
    group_of = {"freeze": "cards", "lost": "cards", "balance": "money"}
    score = router.route("my card")
    probs = dict(score.ranking)
    none = 1.0 - sum(probs.values())
    assert score.route is None and max(probs.values()) < none < probs["freeze"] + probs["lost"]
    pooled = pooled_by_group(router, [LabelledRow("my card", ("cards",), 1)], group_of)
    assert pooled == {"accuracy": 1.0, "oos_recall": None}
    as_oos = pooled_by_group(router, [LabelledRow("my card", ("oos",), 1)], group_of)
    assert as_oos == {"accuracy": None, "oos_recall": 0.0}
