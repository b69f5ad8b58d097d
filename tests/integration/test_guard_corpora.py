"""The guards on the shared dev corpora (../shared/data/guard): the issue's accuracy targets hold.

Skipped when the corpora are absent, except under CI (``CI=true``), where their absence fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crewline.evals.benchmarks.guards import _split
from crewline.evals.datasets import read_jsonl
from crewline.evals.injection import evaluate as evaluate_injection
from crewline.evals.injection import labelled
from crewline.evals.pii import evaluate as evaluate_pii
from crewline.nodes.guards import load_detector, sanitize
from crewline.nodes.guards.trained import train
from tests.support.shared_data import require_shared


@pytest.fixture(scope="module")
def corpora() -> Path:
    return require_shared("guard/injection_dev.jsonl").parent


def test_builtin_detector_meets_its_targets(corpora: Path) -> None:
    texts, labels = labelled(corpora / "injection_dev.jsonl")
    figures = evaluate_injection(load_detector("builtin"), texts, labels)
    assert figures["tpr"] >= 0.85 and figures["fpr"] <= 0.02, figures
    assert figures["by_length"]["<200"]["tpr"] >= 0.85, figures


def test_detector_trained_on_half_meets_its_targets(corpora: Path) -> None:
    texts, labels = labelled(corpora / "injection_dev.jsonl")
    first, second = _split(texts, labels, seed=0)
    detector = train([sanitize(texts[i]) for i in first], [labels[i] for i in first])
    figures = evaluate_injection(detector, [texts[i] for i in second], [labels[i] for i in second])
    assert figures["tpr"] >= 0.95 and figures["fpr"] <= 0.01, figures


def test_pii_detector_meets_its_targets(corpora: Path) -> None:
    figures = evaluate_pii(read_jsonl(corpora / "pii_dev.jsonl"))
    assert figures["recall"] >= 0.97 and figures["precision"] >= 0.95, figures
    assert figures["hard_negative_fpr"] <= 0.05, figures
