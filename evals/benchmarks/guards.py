"""Guard benchmark: detector and PII figures on ../shared/data/guard, and input-guard throughput.

    python -m crewline.evals.benchmarks.guards [--data DIR] [--seconds 3] [--seed 0] [--seeds N] [--json]

Prints the built-in detector's figures on injection_dev.jsonl; a detector trained on one half of it
(seeded split, stratified by label) and tested on the other; with ``--seeds N`` also that half-split
repeated for seeds ``--seed`` .. ``--seed``+N-1 (one seed is one lucky or unlucky split: the spread
matters, and ``meeting_target`` counts the splits at tpr >= 0.95 and fpr <= 0.01); the PII figures
on pii_dev.jsonl; and the latency (p50, p99) and throughput (messages/s, MB/s) of the *whole* input
guard (sanitize, size limit, injection detector, PII/secret detection and pseudonymisation) on 1 KB
messages: ``first_sight`` on messages it has never seen (what a user's new message costs) and
``repeat`` on the same messages again (PII spans cached).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import time
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from crewline.evals.datasets import read_jsonl, shared_data_dir
from crewline.evals.injection import evaluate as evaluate_injection
from crewline.evals.injection import labelled
from crewline.evals.pii import evaluate as evaluate_pii
from crewline.nodes.guards import GuardSettings, Vault, inspect_input, load_detector, sanitize
from crewline.nodes.guards.trained import train

TARGET_TPR, TARGET_FPR = 0.95, 0.01  # issue #4's operating point for a detector trained on half


def _split(texts: list[str], labels: list[int], seed: int) -> tuple[list[int], list[int]]:
    rng = random.Random(seed)
    first: list[int] = []
    second: list[int] = []
    for label in (0, 1):
        indices = [i for i, y in enumerate(labels) if y == label]
        rng.shuffle(indices)
        first += indices[: len(indices) // 2]
        second += indices[len(indices) // 2 :]
    return first, second


def half_split(texts: list[str], labels: list[int], seed: int) -> dict[str, Any]:
    """Train on one stratified half (seeded), test on the other: the trained detector's figures."""
    first, second = _split(texts, labels, seed)
    began = time.perf_counter()
    trained = train([sanitize(texts[i]) for i in first], [labels[i] for i in first], seed=seed)
    train_s = time.perf_counter() - began
    return {
        "seed": seed,
        "train_rows": len(first),
        "train_s": round(train_s, 3),
        **evaluate_injection(trained, [texts[i] for i in second], [labels[i] for i in second]),
    }


def seed_sweep(texts: list[str], labels: list[int], seeds: range) -> dict[str, Any]:
    """``half_split`` over several seeds: per seed tpr / fpr / short-prompt tpr, and their mean and worst."""
    runs = [half_split(texts, labels, seed) for seed in seeds]
    tprs = [run["tpr"] for run in runs]
    fprs = [run["fpr"] for run in runs]
    short = [run["by_length"]["<200"]["tpr"] for run in runs if run["by_length"]["<200"]["tpr"] is not None]
    meeting = [run["tpr"] >= TARGET_TPR and run["fpr"] <= TARGET_FPR for run in runs]
    return {
        "seeds": f"{seeds.start}..{seeds.stop - 1}",
        "meeting_target": sum(meeting),
        "mean_tpr": round(statistics.fmean(tprs), 4),
        "min_tpr": min(tprs),
        "mean_fpr": round(statistics.fmean(fprs), 4),
        "max_fpr": max(fprs),
        "mean_tpr_lt200": round(statistics.fmean(short), 4) if short else None,
        "min_tpr_lt200": min(short) if short else None,
        "mean_train_s": round(statistics.fmean(run["train_s"] for run in runs), 3),
        "per_seed": [
            {
                "seed": run["seed"],
                "tpr": run["tpr"],
                "fpr": run["fpr"],
                "tpr_lt200": run["by_length"]["<200"]["tpr"],
                "meets_target": meets,
            }
            for run, meets in zip(runs, meeting, strict=True)
        ],
    }


def _distinct_messages(texts: list[str], seed: int) -> Iterator[str]:
    """1 KB messages built from the corpus' benign prompts, each with an email and a card number.

    Never the same message twice: the PII scan of a short text is cached (``detect_pii`` holds the
    spans of the last 4,096 texts it saw), so a benchmark that cycles through a fixed set times a
    cache lookup instead of the scan from the second pass on.
    """
    rng = random.Random(seed)
    for number in itertools.count(1):
        # The running reference number makes every message new, even from a one-text corpus.
        parts = [f"Hi, about ticket {number}: email ada.quill@example.com, card 4111 1111 1111 1111."]
        while sum(len(p) + 1 for p in parts) < 1024:
            parts.append(rng.choice(texts))
        yield " ".join(parts)[:1024]


def _timed(messages: Iterable[str], seconds: float, settings: GuardSettings, vault: Vault) -> dict[str, Any]:
    """Run the whole input guard on ``messages`` (cycled if finite) for about ``seconds``."""
    latencies: list[float] = []
    total_bytes = 0
    start = time.perf_counter()
    for message in messages:
        if time.perf_counter() - start >= seconds:
            break
        began = time.perf_counter()
        inspect_input(message, settings, vault)
        latencies.append(time.perf_counter() - began)
        total_bytes += len(message.encode())
    elapsed = sum(latencies)
    latencies.sort()
    return {
        "message_bytes": 1024,
        "messages": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 4),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 4),
        "messages_per_s": round(len(latencies) / elapsed, 1),
        "mb_per_s": round(total_bytes / elapsed / 1e6, 3),
    }


def _remembered(messages: Iterator[str], into: deque[str]) -> Iterator[str]:
    for message in messages:
        into.append(message)
        yield message


def throughput(texts: list[str], seconds: float, seed: int = 0) -> dict[str, Any]:
    """The input guard's cost on a message it has not seen (``first_sight``), then on ``repeat``.

    ``first_sight`` is what a user's new message costs: every message is distinct, so the PII scan
    runs each time. ``repeat`` times the last 200 of those messages again: the same text inspected a
    second time (a retried request, a guard node re-run on resume) finds its PII spans cached.
    Each part runs for about ``seconds``.
    """
    settings = GuardSettings()
    vault = Vault(b"0" * 32)
    messages = _distinct_messages(texts, seed)
    for message in itertools.islice(messages, 20):  # compile regexes, warm per-word caches
        inspect_input(message, settings, vault)
    seen: deque[str] = deque(maxlen=200)  # well inside detect_pii's cache of 4,096 texts
    first_sight = _timed(_remembered(messages, seen), seconds, settings, vault)
    repeat = _timed(itertools.cycle(list(seen)), seconds, settings, vault)
    return {"first_sight": first_sight, "repeat": repeat}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="the guard corpora (default: shared data)")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to time the input guard")
    parser.add_argument("--seed", type=int, default=0, help="the half split's seed (first seed with --seeds)")
    parser.add_argument("--seeds", type=int, default=0, help="also repeat the half split over N seeds")
    parser.add_argument("--no-throughput", action="store_true", help="skip timing the input guard")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    shared = shared_data_dir()
    data = args.data or (shared / "guard" if shared else None)
    if data is None or not (data / "injection_dev.jsonl").is_file():
        raise SystemExit("guard corpora not found: pass --data DIR (with injection_dev.jsonl, pii_dev.jsonl)")

    texts, labels = labelled(data / "injection_dev.jsonl")
    figures: dict[str, Any] = {"builtin": evaluate_injection(load_detector("builtin"), texts, labels)}
    if args.seeds < 0:
        raise SystemExit("--seeds must be 0 or more")
    figures["trained_half"] = half_split(texts, labels, args.seed)
    if args.seeds:
        figures["trained_seeds"] = seed_sweep(texts, labels, range(args.seed, args.seed + args.seeds))
    figures["pii"] = evaluate_pii(read_jsonl(data / "pii_dev.jsonl"))
    if not args.no_throughput:
        figures["input_guard"] = throughput(
            [t for t, y in zip(texts, labels, strict=True) if y == 0], args.seconds
        )
    if args.json:
        print(json.dumps(figures))
        return
    for name, values in figures.items():
        print(f"{name}: {json.dumps(values)}")


if __name__ == "__main__":
    main()
