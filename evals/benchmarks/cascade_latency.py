"""Per-request latency of the semantic cascade fit on CLINC150's full training set, with the load.

The machine this runs on is often shared, and a MiniLM query's tail follows the load: each figure is
printed with the load average before and after. The cascade is fit once (intent, 150 routes, with
train's 100 ``oos`` rows; ``--field domain`` for the 10 domains) and val's rows are routed one at a
time, ``--repeats`` times. Fitting embeds the 15,000 training rows; ``--vectors DIR`` reuses them
from an earlier run (``vectors.npy`` and ``texts.json``, written there when missing; the same
embedder). Queries are always embedded live. ``--sub-routes`` (with ``--field domain``) gives the
semantic stage each domain's intents as sub-routes (``margin_cascade(sub_routes=...)``).

    python -m crewline.evals.benchmarks.cascade_latency [--data DIR] [--field intent|domain]
        [--sub-routes] [--repeats 3] [--vectors DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from crewline.evals.datasets import clinc150_dir
from crewline.evals.routing import evaluate_routing, fit_router, read_labelled
from crewline.nodes.planning.margin_cascade import margin_cascade, semantic_installed


class _Reused(Embeddings):
    """Documents from saved vectors (the fit), queries live (the measured path)."""

    def __init__(self, live: Any, texts: list[str], vectors: np.ndarray) -> None:
        self.live = live
        self.index = {text: row for row, text in enumerate(texts)}
        self.vectors = vectors

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in texts if t not in self.index]
        fresh = dict(zip(missing, self.live.embed_documents(missing), strict=True)) if missing else {}
        return [fresh[t] if t in fresh else self.vectors[self.index[t]].tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        result: list[float] = self.live.embed_query(text)
        return result


def _embedder(vectors: Path | None, texts: list[str]) -> Embeddings:
    from crewline.memory.knowledge.semantic import shared_sentence_embedder

    live = shared_sentence_embedder(quantized=True)
    if vectors is None:
        return live
    saved, names = vectors / "vectors.npy", vectors / "texts.json"
    if not saved.is_file() or json.loads(names.read_text()) != texts:
        vectors.mkdir(parents=True, exist_ok=True)
        np.save(saved, live.embed_array(texts))
        names.write_text(json.dumps(texts))
    return _Reused(live, texts, np.load(saved))


def _load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def measure(
    data: Path, field: str, repeats: int, vectors: Path | None, sub_field: str | None = None
) -> dict[str, Any]:
    train_path = data / "train.jsonl"
    train = read_labelled(train_path, field)
    sub_of = {} if sub_field is None else {r.line: r.labels[0] for r in read_labelled(train_path, sub_field)}
    val = read_labelled(data / "val.jsonl", field)
    lexical = fit_router(train_path, field, oos_label="oos", train=train, oos_recall=0.8)
    examples: dict[str, list[str]] = {}
    subs: dict[str, list[str]] = {}
    for row in train:
        if row.labels[0] != "oos":
            examples.setdefault(row.labels[0], []).append(row.text)
            subs.setdefault(row.labels[0], []).append(sub_of.get(row.line, ""))
    oos = [row.text for row in train if row.labels[0] == "oos"]
    started = time.perf_counter()
    embeddings = _embedder(vectors, list(dict.fromkeys(row.text for row in train)))
    cascade = margin_cascade(
        lexical, examples, oos_examples=oos, embeddings=embeddings, sub_routes=subs if sub_field else None
    )
    cascade.warm_up()
    figures: dict[str, Any] = {"field": field, "fit_s": round(time.perf_counter() - started, 1), "runs": []}
    for _ in range(repeats):
        before, escalated = _load(), cascade.escalated
        run = evaluate_routing(cascade, val, oos_label="oos")
        run["escalated"] = round((cascade.escalated - escalated) / len(val), 4)
        run["load_before"], run["load_after"] = before, _load()
        figures["runs"].append(run)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, help="the clinc150 directory (default: ../shared/data/clinc150)")
    parser.add_argument("--field", choices=("intent", "domain"), default="intent")
    parser.add_argument(
        "--sub-routes",
        action="store_true",
        help="with --field domain: each domain's intents as the semantic stage's sub-routes",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--vectors", type=Path, help="a directory to keep the training rows' vectors in")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    data = clinc150_dir(args.data)
    if data is None:
        print("cascade_latency benchmark: no clinc150 data (pass --data DIR)", file=sys.stderr)
        return 2
    if args.repeats < 1:
        print("cascade_latency benchmark: --repeats must be at least 1", file=sys.stderr)
        return 2
    if not semantic_installed():
        print(
            "cascade_latency benchmark: needs the semantic extra: pip install 'crewline[semantic]'",
            file=sys.stderr,
        )
        return 2
    sub_field = "intent" if args.sub_routes and args.field == "domain" else None
    figures = measure(data, args.field, args.repeats, args.vectors, sub_field)
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{figures['field']}: fit {figures['fit_s']} s")
        for run in figures["runs"]:
            print("  " + "  ".join(f"{k}={v}" for k, v in run.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
