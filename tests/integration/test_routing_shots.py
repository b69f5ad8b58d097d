"""The few-shot routing benchmark (``evals.benchmarks.routing_shots``) on CLINC150 (../shared/data)."""

from __future__ import annotations

from crewline.evals.benchmarks.routing_shots import measure
from tests.support.shared_data import require_shared


def test_one_shot_lexical_run_without_the_label_names_runs() -> None:
    figures = measure(require_shared("clinc150"), [1], [0], semantic=False, full=False, label_names=False)
    assert list(figures) == ["1-shot"]  # --no-label-names: no "+ label names" run
    one = figures["1-shot"]
    # From one example an intent the router still routes far better than chance (1/150) and
    # rejects some out-of-scope requests without having seen any.
    assert one["intent"] is not None and one["intent"] > 0.3
    assert one["oos_recall"] is not None and one["oos_recall"] > 0.0
    assert "cascade" not in one
