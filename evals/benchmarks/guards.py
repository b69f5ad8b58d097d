"""Guard benchmark: detector and PII figures on ../shared/data/guard, and input-guard throughput.

    python -m evals.benchmarks.guards [--data DIR] [--seconds 3] [--json]

Prints the built-in detector's figures on injection_dev.jsonl; a detector trained on one half of it
(seeded split, stratified by label) and tested on the other; the PII figures on pii_dev.jsonl; and
the latency (p50, p99) and throughput (messages/s, MB/s) of the *whole* input guard (sanitize, size
limit, injection detector, PII/secret detection and pseudonymisation) on 1 KB messages.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from evals.datasets import read_jsonl, shared_data_dir
from evals.injection import evaluate as evaluate_injection
from evals.injection import labelled
from evals.pii import evaluate as evaluate_pii
from nodes.guards import GuardSettings, Vault, inspect_input, load_detector, sanitize
from nodes.guards.trained import train


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


def _messages(texts: list[str], count: int, seed: int) -> list[str]:
    """1 KB messages built from the corpus' benign prompts, each with an email and a card number."""
    rng = random.Random(seed)
    messages = []
    for _ in range(count):
        parts = ["Hi, I'm writing about my account, email ada.quill@example.com, card 4111 1111 1111 1111."]
        while sum(len(p) + 1 for p in parts) < 1024:
            parts.append(rng.choice(texts))
        messages.append(" ".join(parts)[:1024])
    return messages


def throughput(texts: list[str], seconds: float, seed: int = 0) -> dict[str, Any]:
    settings = GuardSettings()
    vault = Vault(b"0" * 32)
    messages = _messages(texts, 200, seed)
    for message in messages[:20]:  # warm caches and regex compilation
        inspect_input(message, settings, vault)
    latencies: list[float] = []
    total_bytes = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for message in messages:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="the guard corpora (default: shared data)")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to time the input guard")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    shared = shared_data_dir()
    data = args.data or (shared / "guard" if shared else None)
    if data is None or not (data / "injection_dev.jsonl").is_file():
        raise SystemExit("guard corpora not found: pass --data DIR (with injection_dev.jsonl, pii_dev.jsonl)")

    texts, labels = labelled(data / "injection_dev.jsonl")
    figures: dict[str, Any] = {"builtin": evaluate_injection(load_detector("builtin"), texts, labels)}
    first, second = _split(texts, labels, args.seed)
    trained = train([sanitize(texts[i]) for i in first], [labels[i] for i in first])
    figures["trained_half"] = {
        "train_rows": len(first),
        **evaluate_injection(trained, [texts[i] for i in second], [labels[i] for i in second]),
    }
    figures["pii"] = evaluate_pii(read_jsonl(data / "pii_dev.jsonl"))
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
