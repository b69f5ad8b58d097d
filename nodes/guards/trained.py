"""The trainable injection detector: hashed word and character n-grams plus the rules, logistic regression.

``train(texts, labels)`` fits scikit-learn's ``LogisticRegression`` on the rows
:mod:`nodes.guards.trained_features` computes (word 1-2-grams, character 3-5-grams of the folded
text, one column per built-in rule), and picks the decision threshold from out-of-fold scores
(5-fold cross-validation) so that the false-positive rate on the training data stays under
``target_fpr``. The artifact is a NumPy ``.npz`` of plain arrays (loaded with
``allow_pickle=False``: loading a model runs no code).

The features are hand-computed rather than sklearn's vectorizers: the same function serves training
and scoring, and it scores a 1 KB message in a fraction of a millisecond where the vectorizers'
per-call overhead alone is several times that.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nodes.guards.detector import DetectorError
from nodes.guards.rules import RULES
from nodes.guards.trained_features import N_COLUMNS, row

__all__ = ["FORMAT", "TrainedDetector", "train"]

FORMAT = "crewline-injection-detector/2"  # /2: character n-grams added (columns moved)
_FORMAT_FAMILY = "crewline-injection-detector/"
C = 16.0  # weak regularisation: ~400 rows, the rule columns carry the prior


def features(texts: Sequence[str]) -> Any:
    """The sparse feature matrix (CSR) of ``texts``."""
    from scipy.sparse import csr_matrix

    rows = [row(text)[:2] for text in texts]
    indptr = np.cumsum([0] + [len(columns) for columns, _ in rows])
    indices = np.concatenate([columns for columns, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
    data = np.concatenate([values for _, values in rows]) if rows else np.zeros(0)
    return csr_matrix((data, indices, indptr), shape=(len(texts), N_COLUMNS), dtype=np.float64)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass
class TrainedDetector:
    """A fitted detector: weights and intercept, shifted so that 0.5 is the operating point.

    ``train`` picks the cut on out-of-fold margins and folds it into the intercept, so the score is
    the logistic of the distance from that cut: 0.5 at the cut, and ``threshold`` is 0.5 (a setting
    can still move it). Scoring around 0.5 keeps the comparison clear of the saturation near 1.0 that
    a weakly regularised model's raw probabilities reach.
    """

    coef: NDArray[np.float64]
    intercept: float
    threshold: float
    meta: dict[str, Any]
    name: str = "trained"

    def score(self, text: str) -> tuple[float, str]:
        columns, values, hits = row(text)
        z = self.intercept + float(np.dot(self.coef[columns], values))
        probability = _sigmoid(z)
        reason = max(hits, key=lambda r: r.weight).reason if hits else "trained detector's n-gram evidence"
        return round(probability, 6), reason

    def save(self, path: Path) -> None:
        nonzero = np.flatnonzero(self.coef)
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                index=nonzero.astype(np.int64),
                weight=self.coef[nonzero].astype(np.float64),
                intercept=np.array([self.intercept]),
                threshold=np.array([self.threshold]),
                meta=np.array(json.dumps({**self.meta, "format": FORMAT, "rules": len(RULES)})),
            )

    @classmethod
    def load(cls, path: Path) -> TrainedDetector:
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                found = meta.get("format")
                if isinstance(found, str) and found.startswith(_FORMAT_FAMILY) and found != FORMAT:
                    raise DetectorError(
                        f"{path}: an injection detector in an older format ({found}, this crewline reads "
                        f"{FORMAT}); retrain with `crewline guard train`"
                    )
                if found != FORMAT:
                    raise DetectorError(f"{path}: not a crewline injection detector ({meta.get('format')!r})")
                if meta.get("rules") != len(RULES):
                    raise DetectorError(
                        f"{path}: trained with {meta.get('rules')} built-in rules, this crewline has "
                        f"{len(RULES)}; retrain with `crewline guard train`"
                    )
                coef = np.zeros(N_COLUMNS)
                coef[data["index"]] = data["weight"]
                return cls(coef, float(data["intercept"][0]), float(data["threshold"][0]), meta)
        except DetectorError:
            raise
        except (OSError, ValueError, KeyError, IndexError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DetectorError(f"{path}: cannot load the injection detector ({first})") from None


def _cut(margins: NDArray[np.float64], labels: NDArray[np.int_], target_fpr: float) -> float:
    """The decision margin that keeps the false-positive rate on ``margins`` within ``target_fpr``.

    The cut sits halfway between the highest benign margin that must stay below it and the next
    margin above that one, not just above the benign one: the gap is slack for the final model, which
    scores a little differently from the out-of-fold models the margins came from.
    """
    negatives = np.sort(margins[labels == 0])[::-1]
    allowed = math.floor(target_fpr * len(negatives))
    bound = float(negatives[allowed]) if allowed < len(negatives) else float(margins.min()) - 1.0
    above = margins[margins > bound]
    return (bound + float(above.min())) / 2.0 if above.size else bound + 1.0


def train(
    texts: Sequence[str], labels: Sequence[int], *, target_fpr: float = 0.01, c: float = C, seed: int = 0
) -> TrainedDetector:
    """Fit a detector on ``texts`` (label 1: injection, 0: benign). Needs both classes, 5 of each."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    y = np.asarray(labels, dtype=np.int_)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if min(positives, negatives) < 5:
        raise DetectorError(
            f"training needs at least 5 injection and 5 benign rows; got {positives} and {negatives}"
        )
    x = features(texts)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, solver="liblinear")
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    oof = cross_val_predict(model, x, y, cv=folds, method="decision_function")
    cut = _cut(oof, y, target_fpr)
    model.fit(x, y)
    predicted = oof > cut
    meta = {
        "rows": len(y),
        "injection_rows": positives,
        "target_fpr": target_fpr,
        "c": c,
        "cv_tpr": round(float(predicted[y == 1].mean()), 4),
        "cv_fpr": round(float(predicted[y == 0].mean()), 4),
    }
    # the intercept absorbs the cut, so the score is 0.5 exactly at the chosen operating point
    intercept = float(model.intercept_[0]) - cut
    return TrainedDetector(model.coef_[0].astype(np.float64), intercept, 0.5, meta)
