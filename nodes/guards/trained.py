"""The trainable injection detector: hashed word n-grams plus the built-in rule hits, logistic regression.

``train(texts, labels)`` fits scikit-learn's ``LogisticRegression`` on features this module computes
itself, and picks the decision threshold from out-of-fold scores (5-fold cross-validation) so that
the false-positive rate on the training data stays under ``target_fpr``. The artifact is a NumPy
``.npz`` of plain arrays (loaded with ``allow_pickle=False``: loading a model runs no code).

The features are hand-computed (CRC32-hashed unigrams and bigrams of the folded text, TF with
sublinear scaling and L2 norm, plus one column per built-in rule) rather than sklearn's
``HashingVectorizer``: the same function serves training and scoring, and it scores a 1 KB message
in about a tenth of a millisecond where the vectorizer's per-call overhead alone is several times that.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nodes.guards.detector import DetectorError
from nodes.guards.rules import RULES, Rule, RuleDetector, fold, rule_hits

__all__ = ["FORMAT", "TrainedDetector", "train"]

FORMAT = "crewline-injection-detector/1"
N_HASH = 2**18
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
_RULE_INDEX = {id(rule): i for i, rule in enumerate(RULES)}
_BUILTIN = RuleDetector()
# hashed n-grams, one column per rule, the built-in detector's combined score, log length
N_COLUMNS = N_HASH + len(RULES) + 2


def _hashed(text: str) -> Counter[int]:
    tokens = _TOKEN.findall(fold(text))
    counts: Counter[int] = Counter()
    for i, token in enumerate(tokens):
        counts[zlib.crc32(token.encode()) % N_HASH] += 1
        if i:
            counts[zlib.crc32(f"{tokens[i - 1]} {token}".encode()) % N_HASH] += 1
    return counts


def _row(text: str) -> tuple[list[int], list[float], list[Rule]]:
    """Column indices and values of one text's feature row, and the rules that fired."""
    counts = _hashed(text)
    values = {index: 1.0 + math.log(count) for index, count in counts.items()}
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    columns = list(values)
    data = [v / norm for v in values.values()]
    hits = rule_hits(text)
    for rule in hits:
        columns.append(N_HASH + _RULE_INDEX[id(rule)])
        data.append(rule.weight)
    columns += [N_HASH + len(RULES), N_HASH + len(RULES) + 1]
    data += [_BUILTIN.combine(hits), math.log1p(len(text)) / 8.0]
    return columns, data, hits


def features(texts: Sequence[str]) -> Any:
    """The sparse feature matrix (CSR) of ``texts``."""
    from scipy.sparse import csr_matrix

    indptr, indices, data = [0], [], []
    for text in texts:
        columns, values, _ = _row(text)
        indices.extend(columns)
        data.extend(values)
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(texts), N_COLUMNS), dtype=np.float64)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass
class TrainedDetector:
    """A fitted detector: weights, intercept and the threshold chosen on out-of-fold scores."""

    coef: NDArray[np.float64]
    intercept: float
    threshold: float
    meta: dict[str, Any]
    name: str = "trained"

    def score(self, text: str) -> tuple[float, str]:
        columns, values, hits = _row(text)
        z = self.intercept + float(np.dot(self.coef[columns], values)) if columns else self.intercept
        probability = _sigmoid(z)
        reason = max(hits, key=lambda r: r.weight).reason if hits else "trained detector's n-gram evidence"
        return round(probability, 4), reason

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
                if meta.get("format") != FORMAT:
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


def _threshold(scores: NDArray[np.float64], labels: NDArray[np.int_], target_fpr: float) -> float:
    """The lowest threshold whose false-positive rate on ``scores`` stays within ``target_fpr``."""
    negatives = np.sort(scores[labels == 0])[::-1]
    allowed = math.floor(target_fpr * len(negatives))
    if len(negatives) == 0:
        return 0.5
    # strictly above the (allowed+1)-th highest benign score
    bound = negatives[allowed] if allowed < len(negatives) else 0.0
    return float(min(0.99, max(1e-4, np.nextafter(bound, 1.0))))


def train(
    texts: Sequence[str], labels: Sequence[int], *, target_fpr: float = 0.01, c: float = 4.0, seed: int = 0
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
    oof = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
    threshold = _threshold(oof, y, target_fpr)
    model.fit(x, y)
    predicted = oof >= threshold
    meta = {
        "rows": len(y),
        "injection_rows": positives,
        "target_fpr": target_fpr,
        "cv_tpr": round(float(predicted[y == 1].mean()), 4),
        "cv_fpr": round(float(predicted[y == 0].mean()), 4),
    }
    return TrainedDetector(model.coef_[0].astype(np.float64), float(model.intercept_[0]), threshold, meta)
