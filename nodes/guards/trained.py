"""The trainable injection detector: word and character n-grams, opening words, rules; one linear model.

``train(texts, labels)`` fits scikit-learn's ``LinearSVC`` and ``ComplementNB`` on the rows
:mod:`crewline.nodes.guards.trained_features` computes (word 1-2-grams, character 3-5-grams of the folded
text, the opening words, one column per built-in rule, the built-in detector's score) and adds their
margins: both are linear in the row, so the detector stays one weight vector. The naive-Bayes term
ranks short attacks and the benign look-alikes near the cut better than the SVM alone.

The decision threshold comes from out-of-fold margins pooled over repeated cross-validation (3 x 5
folds), but not from their extreme tail: the top 1% of ~250 benign rows is two or three rows, and
which hard rows (a role-play prompt that trips a persona rule, say) fell into training moved the
cut by more than the gap between benign rows and attacks. With them in training the cut rose above
attacks the test half held; with them in the test half they were false positives whatever the cut,
and the cut, fit to the easier rows left, let more through. So the cut extends the *body* of the
benign margins instead: a normal tail centred on their median, its scale read at their 95th
percentile (dozens of margins, stable from split to split), cut where the tail leaves a per-row
false-positive rate low enough that a benign set the size of the training one stays within
``target_fpr`` with probability ``CONFIDENCE`` (binomial: 0.54% for 245 benign rows at 1%).

Seeded half splits of the dev corpus (``python -m crewline.evals.benchmarks.guards --seeds 20``; tpr >= 0.95
at fpr <= 0.01 is issue #4's target): splits meeting it, seeds 0-19 / 20-39 / 40-79, went from
12 / 8 / 25 to 16 / 16 / 31, mean tpr 0.963 -> 0.969 at mean fpr 0.0094 -> 0.0065 (seeds 0-19).
The two changes need each other: the opening-words block alone (old cut) or this cut alone (old
features) gave 47 splits of 80 against 45; together 63. Every split still missing fails on fpr, with
two or more of the few benign rows built-in rules fire on (role-play prompts, a story about breaking
free of constraints) in its test half; the short-prompt misses are attacks with no relative in
training (worst split 0.84 on seeds 0-19, as before).

The artifact is a NumPy ``.npz`` of plain arrays (loaded with ``allow_pickle=False``: loading a
model runs no code).

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

from crewline.nodes.guards.detector import DetectorError
from crewline.nodes.guards.rules import RULES
from crewline.nodes.guards.trained_features import N_COLUMNS, row

__all__ = ["FORMAT", "TrainedDetector", "train"]

# /2: character n-grams added (columns moved); /3: SVM + naive Bayes margins; /4: opening-words
# columns (rule columns moved) and the normal-tail cut
FORMAT = "crewline-injection-detector/4"
_FORMAT_FAMILY = "crewline-injection-detector/"
C = 1.0  # the SVM's; margins flat for C in 1..30 on the dev corpus
NB_ALPHA = 0.003  # light smoothing: hashed n-gram columns are sparse, most counts are 0 or 1
NB_WEIGHT = 0.08  # the naive-Bayes log-odds are ~50x the SVM's margins; this weighs them ~4:1 for the SVM
CV_FOLDS = 5
CV_REPEATS = 3
CONFIDENCE = 0.85  # the chance a benign set the training one's size stays within target_fpr
BODY_QUANTILE = 0.95  # the benign margins' tail scale is read here: deep enough to be stable


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
    raw probabilities reach once the naive-Bayes log-odds of a long text add up.
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
        nonzero = np.flatnonzero(self.coef)  # columns no training row touched weigh 0 (see _fit)
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


def _tail_rate(benign_rows: int, target_fpr: float) -> float:
    """The per-row false-positive rate at which ``benign_rows`` benign rows stay within ``target_fpr``
    with probability ``CONFIDENCE``: the largest p with P(Binomial(n, p) <= floor(target * n)) >= it."""
    from scipy.stats import beta

    allowed = math.floor(target_fpr * benign_rows)
    # P(Binomial(n, p) <= k) = 1 - I_p(k + 1, n - k), I the regularized incomplete beta function
    return float(beta.ppf(1.0 - CONFIDENCE, allowed + 1, benign_rows - allowed))


def _cut(
    margins: NDArray[np.float64], labels: NDArray[np.int_], target_fpr: float, benign_rows: int
) -> float:
    """The decision margin: where the benign margins' normal tail leaves ``_tail_rate``, mid-gap.

    ``margins`` are the pooled out-of-fold margins of ``benign_rows`` benign rows (and the attacks).
    The tail is fit to the body (median, 95th percentile), so the two or three highest benign rows,
    which decide an empirical 1% cut, do not move it. Benign margins with no spread to fit (most of
    them equal, as in a small set of near-duplicates) fall back to the empirical cut.
    """
    from scipy.stats import norm

    negatives = margins[labels == 0]
    median = float(np.median(negatives))
    scale = (float(np.quantile(negatives, BODY_QUANTILE)) - median) / float(norm.ppf(BODY_QUANTILE))
    if scale > 0:
        return _mid_gap(margins, median + float(norm.isf(_tail_rate(benign_rows, target_fpr))) * scale)
    ordered = np.sort(negatives)[::-1]
    allowed = math.floor(target_fpr * len(ordered))
    bound = float(ordered[allowed]) if allowed < len(ordered) else float(margins.min()) - 1.0
    return _mid_gap(margins, bound)


def _mid_gap(margins: NDArray[np.float64], cut: float) -> float:
    """The middle of the gap between the margins around ``cut`` (a cut at a margin moves just above it).

    Every cut in the gap splits the out-of-fold margins alike; its middle leaves the most slack to the
    final model, which scores a little differently, and to unseen texts when training separates well
    (a small hand-made set: the gap between its benign rows and attacks is wide).
    """
    below, above = margins[margins <= cut], margins[margins > cut]
    if not below.size:
        return cut
    if not above.size:
        return cut if cut > float(below.max()) else cut + 1.0
    return (float(below.max()) + float(above.min())) / 2.0


def _fit(x: Any, y: NDArray[np.int_], c: float, seed: int) -> tuple[NDArray[np.float64], float]:
    """The weights and intercept of the SVM's margin plus the weighted naive-Bayes log-odds on ``x``."""
    from sklearn.naive_bayes import ComplementNB
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=c, class_weight="balanced", max_iter=20000, random_state=seed).fit(x, y)
    bayes = ComplementNB(alpha=NB_ALPHA).fit(x, y)
    # ComplementNB's class scores are x @ feature_log_prob_.T (no prior with two classes): linear in x
    log_odds = bayes.feature_log_prob_[1] - bayes.feature_log_prob_[0]
    # a column no training row touched gets smoothing's log-odds, the same small value for every such
    # column: zero it, or a long text of unseen words would drift the score with its length
    log_odds[np.asarray(x.sum(axis=0)).ravel() == 0] = 0.0
    return svm.coef_[0] + NB_WEIGHT * log_odds, float(svm.intercept_[0])


def train(
    texts: Sequence[str], labels: Sequence[int], *, target_fpr: float = 0.01, c: float = C, seed: int = 0
) -> TrainedDetector:
    """Fit a detector on ``texts`` (label 1: injection, 0: benign). Needs both classes, 5 of each."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    y = np.asarray(labels, dtype=np.int_)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if min(positives, negatives) < 5:
        raise DetectorError(
            f"training needs at least 5 injection and 5 benign rows; got {positives} and {negatives}"
        )
    x = features(texts)
    folds = RepeatedStratifiedKFold(n_splits=CV_FOLDS, n_repeats=CV_REPEATS, random_state=seed)
    oof = np.zeros((CV_REPEATS, len(y)))
    for number, (fit_rows, held_out) in enumerate(folds.split(np.zeros(len(y)), y)):
        coef, intercept = _fit(x[fit_rows], y[fit_rows], c, seed)
        oof[number // CV_FOLDS, held_out] = x[held_out] @ coef + intercept
    pooled_labels = np.tile(y, CV_REPEATS)
    cut = _cut(oof.ravel(), pooled_labels, target_fpr, negatives)
    coef, intercept = _fit(x, y, c, seed)
    predicted = oof.ravel() > cut
    meta = {
        "rows": len(y),
        "injection_rows": positives,
        "target_fpr": target_fpr,
        "learner": "linear-svc+complement-nb",
        "c": c,
        "nb_alpha": NB_ALPHA,
        "nb_weight": NB_WEIGHT,
        "cv": f"{CV_REPEATS}x{CV_FOLDS}",
        "cut": "normal tail of the benign out-of-fold margins",
        "tail_rate": round(_tail_rate(negatives, target_fpr), 5),
        "confidence": CONFIDENCE,
        "cv_tpr": round(float(predicted[pooled_labels == 1].mean()), 4),
        "cv_fpr": round(float(predicted[pooled_labels == 0].mean()), 4),
    }
    # the intercept absorbs the cut, so the score is 0.5 exactly at the chosen operating point
    return TrainedDetector(coef.astype(np.float64), intercept - cut, 0.5, meta)
