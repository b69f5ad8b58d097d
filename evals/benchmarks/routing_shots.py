"""Routing from a handful of examples on CLINC150: K = 3, 5, 10 rows per intent, no out-of-scope rows.

For each K and seed, K rows per intent are drawn from ``train.jsonl`` (``crewline eval routing
--shots K --seed S`` draws the same ones) and the router is measured on ``val.jsonl``:

* **intent** accuracy over in-scope val rows (out of scope for one of them counts as wrong), and
  out-of-scope **recall** over val's 100 ``oos`` rows: the router has seen no out-of-scope row and
  sets its threshold from its own examples (``crewline.nodes.planning.fewshot``);
* **top**: closed-set accuracy, the share of in-scope rows whose best route is right whatever the
  threshold (``intent_top``, ``domain_top``);
* with ``--held-out-train``: measured on train rows the draw left out instead of val, for choosing
  settings without touching val (seeds 10 and up);
* ``--dense-weight W``: the word-vector block's weight in the few-shot routers (0: without it);
* **domain** accuracy: a router fit on the same rows labelled with their domain (10 routes), with
  each domain's intents as sub-routes (``--no-sub-routes``: without);
* with ``--label-descriptions`` (also shown by default): each intent's name in words
  ("exchange rate") is one more example, as a crew's specialist description is;
* the **cascade** (lexical router, then MiniLM for the least certain requests) when the ``semantic``
  extra is installed, with the share of requests it escalated; ``--full`` adds the full training set
  (its 100 ``oos`` rows included) for the lexical router and the cascade, with latency p50/p99, and
  the domain also from the intent routers' probabilities pooled by domain (``pooled_by_group``),
  and the domain cascade whose MiniLM stage is given each domain's intents as sub-routes
  (``domain_cascade_sub_routes``; ``domain_cascade``: k-means groups); ``domain_by_intent_cascade``
  is the intent cascade's own answers by domain (``GroupRouter``: the domain its intents' summed
  probabilities favour, out of scope only where *none* beats every domain), so no domain fit: the
  answers ``domain_cascade_by_intents`` counts, timed as a router.
* ``--train-folds N``: no val. The full training set in N stratified folds; the intent cascade is fit
  on the other folds and each fold's rows are answered by domain (as ``domain_by_intent_cascade``).
  Reported per answerer, accuracy where out-of-scope recall first reaches 0.80 / 0.85 (a bias on
  *none* swept) and closed-set: the lexical router alone, MiniLM's linear head alone, the cascade,
  and ``stacked_head``: a logistic regression over both routers' domain probabilities, trained on
  the other folds' answers, deciding the rows the cascade escalates (the trained head over frozen
  MiniLM and the lexical router's outputs). CLINC150, 5 folds, at oos recall 0.80 / 0.85, closed:
  cascade 0.9905 / 0.9862, 0.9926; stacked head 0.9888 / 0.9871, 0.9907; MiniLM head alone
  0.9790 / 0.9743, 0.9890; lexical 0.9741 / 0.9677, 0.9812 (23 % escalated; 25 minutes on 2 busy
  cores, 8 of CPU). A head over MiniLM's embedding and the
  lexical router's 151 log probabilities (folds 0-1, escalated rows) was no better either.

    python -m crewline.evals.benchmarks.routing_shots [--data DIR] [--shots 3 5 10] [--seeds 0 1 2]
        [--full] [--no-semantic] [--no-label-names] [--no-sub-routes] [--held-out-train]
        [--train-folds N] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from crewline.evals.datasets import clinc150_dir
from crewline.evals.routing import (
    LabelledRow,
    evaluate_routing,
    fit_router,
    label_descriptions,
    read_labelled,
    sample_shots,
    semantic_router,
)
from crewline.nodes.planning.group_router import GroupRouter
from crewline.nodes.planning.margin_cascade import MarginCascade, margin_cascade, semantic_installed
from crewline.nodes.planning.router import Router
from crewline.nodes.planning.routing_protocol import RouteScores


def _relabel(rows: Sequence[LabelledRow], domains: dict[int, str]) -> list[LabelledRow]:
    return [LabelledRow(row.text, (domains[row.line],), row.line) for row in rows]


_HELD_PER_INTENT = 20  # train rows a label held out from a K-shot fit (--held-out-train): val's size


def held_out_train(
    train: Sequence[LabelledRow], drawn: Sequence[LabelledRow], seed: int
) -> list[LabelledRow]:
    """Train rows the K-shot draw left out, 20 a label (by ``seed``), and all out-of-scope rows:
    rows to choose settings on without touching val."""
    used = {row.line for row in drawn}
    by_label: dict[str, list[LabelledRow]] = {}
    for row in train:
        if row.line not in used:
            by_label.setdefault(row.labels[0], []).append(row)
    held: list[LabelledRow] = []
    for label, rows in by_label.items():
        count = len(rows) if label == "oos" else min(_HELD_PER_INTENT, len(rows))
        held += random.Random(f"held:{seed}:{label}").sample(rows, count)
    return held


def top_right(router: Router, rows: Sequence[LabelledRow], oos_label: str = "oos") -> float | None:
    """Closed-set accuracy: the share of in-scope rows whose best route is theirs, whatever *none*."""
    in_scope = [row for row in rows if row.labels[0] != oos_label]
    if not in_scope:
        return None
    tops, _ = router.margins([row.text for row in in_scope])
    routes = router.routes
    right = sum(routes[int(t)] == row.labels[0] for t, row in zip(tops, in_scope, strict=True))
    return round(right / len(in_scope), 4)


def pooled_by_group(
    router: Any, rows: Sequence[LabelledRow], group_of: dict[str, str], oos_label: str = "oos"
) -> dict[str, Any]:
    """Accuracy and out-of-scope recall over ``rows`` labelled with groups (domains), answered by a
    router over finer labels (intents): the group whose labels' probabilities add up to the most,
    in scope when that sum beats P(none) (what no label takes). A request can be surely in a domain
    while unsure which of its intents it is."""
    right = in_scope = hit = oos = 0
    for row in rows:
        score = router.route(row.text)
        probs = dict(score.scores) if hasattr(score, "scores") else dict(score.ranking)
        mass: dict[str, float] = {}
        for label, prob in probs.items():
            mass[group_of[label]] = mass.get(group_of[label], 0.0) + prob
        best = max(mass, key=lambda group: mass[group]) if mass else None
        answer = best if best is not None and mass[best] > 1.0 - sum(mass.values()) else None
        if row.labels[0] == oos_label:
            oos += 1
            hit += answer is None
        else:
            in_scope += 1
            right += answer == row.labels[0]
    return {
        "accuracy": round(right / in_scope, 4) if in_scope else None,
        "oos_recall": round(hit / oos, 4) if oos else None,
    }


def intent_grouped_cascade(
    router: Router, rows: Sequence[LabelledRow], sub_of: dict[int, str], oos_label: str = "oos"
) -> MarginCascade:
    """The margin cascade over ``router`` (fit on ``rows``' labels, domains) whose MiniLM stage is
    given each row's finer label (``sub_of`` by line: its intent) as sub-routes."""
    examples: dict[str, list[str]] = {}
    subs: dict[str, list[str]] = {}
    for row in rows:
        if len(row.labels) == 1 and row.labels[0] != oos_label:
            examples.setdefault(row.labels[0], []).append(row.text)
            subs.setdefault(row.labels[0], []).append(sub_of.get(row.line, ""))
    oos = [row.text for row in rows if row.labels == (oos_label,)]
    cascade = margin_cascade(router, examples, oos_examples=oos, sub_routes=subs)
    cascade.warm_up()  # load the model and calibrate now: the latency measured is per request
    return cascade


def _one(
    train: Sequence[LabelledRow],
    val: Sequence[LabelledRow],
    path: Path,
    *,
    cascade: bool,
    dense_weight: float | None = None,
    fitted: list[Any] | None = None,
) -> dict[str, Any]:
    """The intent figures; ``fitted`` receives the router (and the cascade) for more measures."""
    router = fit_router(
        path, "intent", oos_label="oos", train=train, oos_recall=0.8, dense_weight=dense_weight
    )
    if fitted is not None:
        fitted.append(router)
    figures = evaluate_routing(router, val, oos_label="oos")
    figures["top"] = top_right(router, val)
    figures["threshold"] = round(router.none_threshold, 4)
    figures["fit_s"] = round(router.fit_seconds, 3)
    if cascade:
        semantic = semantic_router(router, train, oos_label="oos")
        if fitted is not None:
            fitted.append(semantic)
        escalated_before = getattr(semantic, "escalated", 0)
        figures["cascade"] = evaluate_routing(semantic, val, oos_label="oos")
        figures["cascade"]["escalated"] = round(
            (getattr(semantic, "escalated", 0) - escalated_before) / len(val), 4
        )
    return figures


def _mean(runs: Sequence[dict[str, Any]], key: str, sub: str | None = None) -> float | None:
    values = [(run[sub] if sub else run).get(key) for run in runs]
    numbers = [float(v) for v in values if v is not None]
    return round(statistics.mean(numbers), 4) if numbers else None


def measure(
    data: Path,
    shots: Sequence[int],
    seeds: Sequence[int],
    *,
    semantic: bool,
    full: bool,
    label_names: bool = True,
    sub_routes: bool = True,
    held_out: bool = False,
    dense_weight: float | None = None,
) -> dict[str, Any]:
    train_path = data / "train.jsonl"
    train = read_labelled(train_path, "intent")
    val = read_labelled(data / "val.jsonl", "intent")
    domain_of = {row.line: row.labels[0] for row in read_labelled(train_path, "domain")}
    intent_of = {row.line: row.labels[0] for row in train}
    val_domains = read_labelled(data / "val.jsonl", "domain")
    figures: dict[str, Any] = {}
    for k in shots:
        for described in (False, True) if label_names else (False,):
            runs: list[dict[str, Any]] = []
            for seed in seeds:
                rows = sample_shots(train, k, seed=seed, oos_label="oos")
                intent_rows = [*rows, *label_descriptions(rows)] if described else rows
                test = held_out_train(train, rows, seed) if held_out else val
                test_domains = _relabel(test, domain_of) if held_out else val_domains
                run = _one(intent_rows, test, train_path, cascade=semantic, dense_weight=dense_weight)
                # The domain router also learns each domain's intents as sub-routes (``sub_routes``).
                domain_router = fit_router(
                    train_path,
                    "domain",
                    oos_label="oos",
                    train=_relabel(rows, domain_of),
                    oos_recall=0.8,
                    sublabel_of=intent_of if sub_routes else None,
                    dense_weight=dense_weight,
                )
                run["domain"] = evaluate_routing(domain_router, test_domains, oos_label="oos")
                run["domain"]["top"] = top_right(domain_router, test_domains)
                runs.append(run)
            name = f"{k}-shot" + (" + label names" if described else "")
            summary: dict[str, Any] = {
                "intent": _mean(runs, "accuracy"),
                "oos_recall": _mean(runs, "oos_recall"),
                "intent_top": _mean(runs, "top"),
                "domain": _mean(runs, "accuracy", "domain"),
                "domain_top": _mean(runs, "top", "domain"),
                "domain_oos_recall": _mean(runs, "oos_recall", "domain"),
                "p50_ms": _mean(runs, "p50_ms"),
                "fit_s": _mean(runs, "fit_s"),
                "per_seed": [[run["accuracy"], run["oos_recall"]] for run in runs],
            }
            if semantic:
                summary["cascade"] = {
                    key: _mean(runs, key, "cascade")
                    for key in ("accuracy", "oos_recall", "p50_ms", "p99_ms", "escalated")
                }
            figures[name] = summary
    if full:
        fitted: list[Any] = []
        figures["full train"] = _one(train, val, train_path, cascade=semantic, fitted=fitted)
        # The domain from the intent routers' probabilities pooled by domain (``pooled_by_group``).
        domain_of_intent = {row.labels[0]: domain_of[row.line] for row in train if row.labels[0] != "oos"}
        for name, router in zip(("domain_by_intents", "domain_cascade_by_intents"), fitted, strict=False):
            figures["full train"][name] = pooled_by_group(router, val_domains, domain_of_intent)
        if len(fitted) > 1:  # the intent cascade's answers grouped by domain (``GroupRouter``)
            grouped = GroupRouter(fitted[1], domain_of_intent)
            figures["full train"]["domain_by_intent_cascade"] = evaluate_routing(
                grouped, val_domains, oos_label="oos"
            )
        domain_router = fit_router(
            train_path, "domain", oos_label="oos", train=read_labelled(train_path, "domain"), oos_recall=0.8
        )
        figures["full train"]["domain"] = evaluate_routing(domain_router, val_domains, oos_label="oos")
        if semantic:
            domain_rows = read_labelled(train_path, "domain")
            cascade = semantic_router(domain_router, domain_rows, oos_label="oos")
            figures["full train"]["domain_cascade"] = evaluate_routing(cascade, val_domains, oos_label="oos")
            # The same cascade whose MiniLM stage knows each domain's intents (``sub_routes``).
            cascade = intent_grouped_cascade(domain_router, domain_rows, intent_of)
            figures["full train"]["domain_cascade_sub_routes"] = evaluate_routing(
                cascade, val_domains, oos_label="oos"
            )
    return figures


class _Remembered(Embeddings):
    """An embedder that embeds each text once: every fold refits MiniLM on the same training rows."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.known: dict[str, list[float]] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        if missing:
            self.known.update(zip(missing, self.inner.embed_documents(missing), strict=True))
        return [self.known[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def _stratified_folds(rows: Sequence[LabelledRow], folds: int) -> list[int]:
    """Each row's fold: each label's rows dealt round the folds in a seeded order."""
    by_label: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        by_label.setdefault(row.labels[0], []).append(index)
    fold = [0] * len(rows)
    for label, indices in by_label.items():
        random.Random(f"fold:{label}").shuffle(indices)
        for position, index in enumerate(indices):
            fold[index] = position % folds
    return fold


def _by_group(probs: np.ndarray, group_index: np.ndarray, groups: int) -> np.ndarray:
    """Probabilities over routes and, last, *none* summed into groups and *none*."""
    summed = np.zeros((probs.shape[0], groups + 1))
    for group in range(groups):
        summed[:, group] = probs[:, :-1][:, group_index == group].sum(axis=1)
    summed[:, -1] = probs[:, -1]
    return summed


def accuracy_at_recall(options: np.ndarray, gold: np.ndarray, recall: float) -> float | None:
    """In-scope accuracy of the argmax over ``options`` (groups, then *none*) with *none*'s log
    probability raised just enough for ``recall`` of the rows whose ``gold`` is *none* (the last
    column); ``None`` if no bias reaches it."""
    logs = np.log(np.clip(options, 1e-9, 1.0))
    is_none = gold == options.shape[1] - 1
    for bias in np.arange(-8.0, 8.0, 0.02):
        shifted = logs.copy()
        shifted[:, -1] += bias
        answer = shifted.argmax(axis=1)
        if (answer[is_none] == options.shape[1] - 1).mean() >= recall:
            return round(float((answer == gold)[~is_none].mean()), 4)
    return None


def train_folds(train: Sequence[LabelledRow], domain_of: dict[int, str], folds: int) -> dict[str, Any]:
    """The ``--train-folds`` figures (see the module doc): no val row is read."""
    import warnings

    from sklearn.linear_model import LogisticRegression

    from crewline.memory.knowledge.semantic import shared_sentence_embedder

    embeddings = _Remembered(shared_sentence_embedder(quantized=True))
    fold = _stratified_folds(train, folds)
    groups = sorted({domain_of[row.line] for row in train if row.labels[0] != "oos"})
    answers: dict[str, list[np.ndarray]] = {"lexical": [], "semantic": [], "cascade": []}
    gold: list[np.ndarray] = []
    escalated: list[np.ndarray] = []
    for f in range(folds):
        kept = [row for row, k in zip(train, fold, strict=True) if k != f]
        held = [row for row, k in zip(train, fold, strict=True) if k == f]
        router = fit_router("train", "intent", oos_label="oos", train=kept, oos_recall=0.8)
        examples: dict[str, list[str]] = {}
        for row in kept:
            if row.labels[0] != "oos":
                examples.setdefault(row.labels[0], []).append(row.text)
        oos = [row.text for row in kept if row.labels[0] == "oos"]
        cascade = margin_cascade(router, examples, oos_examples=oos, embeddings=embeddings)
        cascade.warm_up()
        routes = router.routes
        index = np.asarray(
            [groups.index(domain_of_route) for domain_of_route in _route_groups(kept, domain_of, routes)]
        )
        rows: dict[str, list[np.ndarray]] = {name: [] for name in answers}
        went: list[bool] = []
        for row in held:
            lexical = RouteScores.from_route_score(router.route(row.text), "local")
            semantic_routes, semantic = cascade.semantic.scored(embeddings.embed_query(row.text))
            before = cascade.escalated
            combined = cascade.route(row.text)
            went.append(cascade.escalated > before)
            rows["lexical"].append(_vector(lexical, routes))
            rows["semantic"].append(
                _vector(
                    RouteScores(
                        None, 0.0, dict(zip(semantic_routes, semantic[:-1].tolist(), strict=True)), ""
                    ),
                    routes,
                )
            )
            rows["cascade"].append(_vector(combined, routes))
        for name in answers:
            answers[name].append(_by_group(np.stack(rows[name]), index, len(groups)))
        gold.append(
            np.asarray(
                [groups.index(domain_of[r.line]) if r.labels[0] != "oos" else len(groups) for r in held]
            )
        )
        escalated.append(np.asarray(went))
    stacked: list[np.ndarray] = []
    for f in range(folds):  # the head for each fold is trained on the other folds' answers

        def features(k: int) -> np.ndarray:
            return np.hstack([np.log(np.clip(answers[n][k], 1e-6, 1.0)) for n in ("lexical", "semantic")])

        others = [k for k in range(folds) if k != f]
        head = LogisticRegression(C=STACKED_C, max_iter=1000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            head.fit(np.vstack([features(k) for k in others]), np.concatenate([gold[k] for k in others]))
        probs = np.zeros((gold[f].size, len(groups) + 1))
        probs[:, head.classes_] = head.predict_proba(features(f))
        decided = answers["cascade"][f].copy()
        decided[escalated[f]] = probs[escalated[f]]
        stacked.append(decided)
    answers["stacked_head"] = stacked
    truth = np.concatenate(gold)
    figures: dict[str, Any] = {"folds": folds, "escalated": round(float(np.concatenate(escalated).mean()), 4)}
    for name, parts in answers.items():
        options = np.vstack(parts)
        in_scope = truth < len(groups)
        figures[name] = {
            "at_oos_0.80": accuracy_at_recall(options, truth, 0.8),
            "at_oos_0.85": accuracy_at_recall(options, truth, 0.85),
            "closed": round(float((options[:, :-1].argmax(axis=1) == truth)[in_scope].mean()), 4),
        }
    return figures


# The stacked head's regularisation: a few dozen weights over 22 log probabilities.
STACKED_C = 0.1


def _route_groups(rows: Sequence[LabelledRow], domain_of: dict[int, str], routes: Sequence[str]) -> list[str]:
    group_of = {row.labels[0]: domain_of[row.line] for row in rows if row.labels[0] != "oos"}
    return [group_of[route] for route in routes]


def _vector(scores: RouteScores, routes: Sequence[str]) -> np.ndarray:
    """``scores`` over ``routes`` in order and, last, *none* (what they leave)."""
    probs = np.asarray([scores.scores.get(route, 0.0) for route in routes], dtype=np.float64)
    return np.append(probs, max(0.0, 1.0 - float(probs.sum())))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, help="the clinc150 directory (default: ../shared/data/clinc150)")
    parser.add_argument("--shots", type=int, nargs="+", default=[3, 5, 10])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--full", action="store_true", help="also fit on the whole training set")
    parser.add_argument("--no-semantic", action="store_true", help="the lexical router only")
    parser.add_argument(
        "--no-label-names", action="store_true", help="skip the runs with intent names as descriptions"
    )
    parser.add_argument(
        "--no-sub-routes",
        action="store_true",
        help="fit the few-shot domain router without intent sub-routes",
    )
    parser.add_argument(
        "--held-out-train",
        action="store_true",
        help="measure on train rows the draw left out (20 a label, and train's oos rows), not on val: "
        "for choosing settings (use seeds 10 and up)",
    )
    parser.add_argument(
        "--dense-weight",
        type=float,
        help="the word-vector block's weight in the few-shot routers (default: the router's; 0: none)",
    )
    parser.add_argument(
        "--train-folds",
        type=int,
        metavar="N",
        help="only the domain by the full-train intent cascade, on N folds of the training set (no val)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    data = clinc150_dir(args.data)
    if data is None:
        print("routing_shots benchmark: no clinc150 data (pass --data DIR)", file=sys.stderr)
        return 2
    if args.dense_weight is not None and args.dense_weight < 0:
        print("routing_shots benchmark: --dense-weight cannot be negative", file=sys.stderr)
        return 2
    if any(k < 1 for k in args.shots):
        print("routing_shots benchmark: --shots must be at least 1", file=sys.stderr)
        return 2
    semantic = not args.no_semantic and semantic_installed()
    if args.train_folds is not None:
        if args.train_folds < 2 or not semantic:
            print(
                "routing_shots benchmark: --train-folds needs N >= 2 and the semantic extra", file=sys.stderr
            )
            return 2
        train_path = data / "train.jsonl"
        domains = {row.line: row.labels[0] for row in read_labelled(train_path, "domain")}
        folded = train_folds(read_labelled(train_path, "intent"), domains, args.train_folds)
        print(json.dumps(folded) if args.json else "\n".join(f"{k:14s} {v}" for k, v in folded.items()))
        return 0
    figures = measure(
        data,
        args.shots,
        args.seeds,
        semantic=semantic,
        full=args.full,
        label_names=not args.no_label_names,
        sub_routes=not args.no_sub_routes,
        held_out=args.held_out_train,
        dense_weight=args.dense_weight,
    )
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"seeds {args.seeds}; semantic cascade: {'yes' if semantic else 'not installed'}")
        for name, values in figures.items():
            print(f"{name:28s} " + "  ".join(f"{k}={v}" for k, v in values.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
