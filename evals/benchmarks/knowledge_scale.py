"""Knowledge base at scale: ingest N synthesised chunks, then time queries and check the ANN index.

``python -m crewline.evals.benchmarks.knowledge_scale [--chunks 100000] [--queries 300]`` prints one JSON
object: ingest chunks/s (chunk + embed + index + write, one ``upsert``), the index kind, the p50/p99
latency of the dense index search alone and of a full hybrid ``KnowledgeBase.search``, the recall@10
of the index against exact inner-product search over the same vectors (``IndexFlatIP``), and the time
one incremental update and one delete take at that size.

The text is synthesised: 400 topics, each a vocabulary of 60 made-up words over a shared pool of
common words, so that chunks cluster by topic the way help-centre or wiki passages do. Queries are
6-10 words drawn from a random chunk's topic (not copied from the chunk).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document

TOPICS, TOPIC_WORDS, COMMON_WORDS = 400, 60, 2000


def _words(rng: np.random.Generator, count: int) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return ["".join(rng.choice(letters, size=int(rng.integers(4, 10)))) for _ in range(count)]


def synthesise(n: int, seed: int = 0) -> tuple[list[Document], list[str]]:
    rng = np.random.default_rng(seed)
    common = _words(rng, COMMON_WORDS)
    topics = [_words(rng, TOPIC_WORDS) for _ in range(TOPICS)]
    docs, queries = [], []
    for i in range(n):
        topic = int(rng.integers(TOPICS))
        words = [
            topics[topic][int(rng.zipf(1.5)) % TOPIC_WORDS]
            if rng.random() < 0.6
            else common[int(rng.integers(COMMON_WORDS))]
            for _ in range(int(rng.integers(40, 90)))
        ]
        title = f"{topics[topic][0].title()} {topics[topic][1]} note {i}"
        docs.append(Document(f"doc-{i:06d}", " ".join(words) + ".", title))
    for _ in range(400):
        topic = int(rng.integers(TOPICS))
        queries.append(
            " ".join(topics[topic][int(rng.integers(TOPIC_WORDS))] for _ in range(int(rng.integers(6, 11))))
        )
    return docs, queries


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args(argv)
    docs, queries = synthesise(args.chunks)
    queries = queries[: args.queries]
    with tempfile.TemporaryDirectory(prefix="crewline-kb-scale-") as tmp:
        kb = KnowledgeBase.empty(Path(tmp) / "kb")
        started = time.perf_counter()
        kb.upsert(docs)
        ingest_s = time.perf_counter() - started
        print(f"ingested {args.chunks} chunks in {ingest_s:.1f} s ({kb.vectors.kind})", file=sys.stderr)
        vectors = kb.vectors
        ids = vectors.ids()
        exact = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.dimension))
        exact.add_with_ids(vectors.vectors(ids), ids)
        query_vectors = kb.embed(queries)
        dense_times, hybrid_times, recalls = [], [], []
        for query, vector in zip(queries, query_vectors, strict=True):
            t0 = time.perf_counter()
            found = vectors.search(vector, 10)
            dense_times.append(time.perf_counter() - t0)
            _, truth = exact.search(vector.reshape(1, -1), 10)
            want = {int(i) for i in truth[0] if i >= 0}
            recalls.append(len(want & {i for i, _ in found}) / len(want) if want else 1.0)
            t0 = time.perf_counter()
            kb.search(query, 10)
            hybrid_times.append(time.perf_counter() - t0)
        changed = Document(docs[0].doc_id, docs[0].text + " An added sentence about refunds.", docs[0].title)
        t0 = time.perf_counter()
        kb.upsert([changed])
        update_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        kb.delete([docs[1].doc_id])
        delete_s = time.perf_counter() - t0
        figures = {
            "chunks": len(kb.chunks),
            "index": vectors.kind,
            "ingest_s": round(ingest_s, 1),
            "ingest_chunks_per_s": round(args.chunks / ingest_s, 1),
            "dense": _ms(dense_times),
            "hybrid_search": _ms(hybrid_times),
            "recall_at_10_vs_exact": round(statistics.fmean(recalls), 4),
            "update_one_doc_s": round(update_s, 2),
            "delete_one_doc_s": round(delete_s, 2),
            "queries": len(queries),
        }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
