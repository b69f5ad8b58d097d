"""Fit the answer-confidence model of :mod:`crewline.tools.answering` and say how well it generalises.

``python -m crewline.evals.rag_calibration [--passages P.jsonl --questions Q.jsonl]`` (default: ClapNQ dev in
the shared data directory) computes the six answer features for every question, then

* reports the 10-fold cross-validated AUROC of a logistic regression on them (out-of-fold
  probabilities: no question is scored by a model that saw it), and of the top retrieval score alone;
* picks the threshold that maximises balanced accuracy on those out-of-fold probabilities;
* fits the model on all questions and prints ``WEIGHTS`` and ``BIAS`` to paste into
  ``tools/answering.py``.

Few, bounded features and a regularised linear model keep the fit from learning the dev file's quirks.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from crewline.evals.datasets import DatasetError, shared_data_dir
from crewline.evals.rag import ingest_passages, load_questions, run_questions
from crewline.tools.answering import FEATURES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = shared_data_dir()
    default = shared / "clapnq" if shared else None
    parser.add_argument("--passages", type=Path, default=default / "passages.jsonl" if default else None)
    parser.add_argument(
        "--questions", type=Path, default=default / "questions_dev.jsonl" if default else None
    )
    parser.add_argument("--folds", type=int, default=10)
    args = parser.parse_args(argv)
    if args.passages is None or args.questions is None:
        raise DatasetError("no shared data directory: pass --passages and --questions")
    questions = load_questions(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        kb = ingest_passages(args.passages, Path(tmp) / "kb")
        drafts, _ = run_questions(kb, questions)
    x = np.array([[d.features[name] for name in FEATURES] for d in drafts])
    y = np.array([int(q["answerable"]) for q in questions])
    model = LogisticRegression(C=1.0, max_iter=1000)
    folds = StratifiedKFold(args.folds, shuffle=True, random_state=0)
    oof = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
    grid = np.round(np.arange(0.2, 0.8, 0.01), 2)
    balanced = [((oof[y == 1] >= t).mean() + (oof[y == 0] < t).mean()) / 2 for t in grid]
    best = float(grid[int(np.argmax(balanced))])
    model.fit(x, y)
    print(
        json.dumps(
            {
                "n": len(y),
                "cv_auroc": round(float(roc_auc_score(y, oof)), 4),
                "top_score_auroc": round(float(roc_auc_score(y, x[:, 0])), 4),
                "cv_threshold": best,
                "cv_answerable_answered": round(float((oof[y == 1] >= best).mean()), 4),
                "cv_unanswerable_abstained": round(float((oof[y == 0] < best).mean()), 4),
                "WEIGHTS": [round(float(w), 3) for w in model.coef_[0]],
                "BIAS": round(float(model.intercept_[0]), 3),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
