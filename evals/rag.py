"""Knowledge-base question answering: retrieval recall, abstention, answer overlap and latency.

``crewline eval rag --passages P.jsonl --questions Q.jsonl`` ingests the passages
(``{"id", "title", "text"}``) into a fresh knowledge base in a temporary directory, asks every question
(``{"id", "question", "answers", "passage_ids", "answerable"}``) through the offline answer path and
prints ``n``, ``recall_at_5`` (answerable questions with a gold passage among the first five distinct
passages retrieved), ``abstain_auroc`` (how well the answer confidence ranks answerable above
unanswerable questions), ``answerable_answered`` / ``unanswerable_abstained`` at the default
threshold, ``rouge_l`` (LCS F1 of each given answer against its best reference, over answerable
questions that were answered) and ``p50_ms`` (retrieve + answer, per question).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings
from sklearn.metrics import roc_auc_score

from crewline.evals.datasets import DatasetError, read_jsonl
from crewline.memory.knowledge.embeddings import EMBEDDERS, make_embedder, tokenize
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document
from crewline.tools.answering import (
    CONFIDENCE_THRESHOLD,
    MAX_QUERY_CHARS,
    TOP_K,
    Draft,
    draft_answer,
    retrieve,
)

__all__ = ["add_arguments", "ingest_passages", "load_questions", "rouge_l", "run", "run_questions"]

RECALL_K = 5
SEARCH_K = 30  # chunks fetched to find the first five distinct passages


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--passages", required=True, type=Path, help='JSONL of {"id", "title", "text"}')
    parser.add_argument("--questions", required=True, type=Path, help="JSONL of questions (see the docs)")
    parser.add_argument(
        "--embedder",
        choices=EMBEDDERS,
        default="hashing",
        help="dense embedder of the knowledge base (semantic: needs the 'semantic' extra)",
    )


def ingest_passages(passages: Path, index_dir: Path, embedder: Embeddings | None = None) -> KnowledgeBase:
    rows = read_jsonl(passages, required=("id", "text"))
    documents: dict[str, Document] = {}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row["text"], str):
            raise DatasetError(f'{passages}: passage {number}: "text" must be a string')
        doc_id = str(row["id"])
        if doc_id in documents:
            raise DatasetError(f"{passages}: passage id {doc_id!r} appears twice")
        title = row.get("title")
        documents[doc_id] = Document(doc_id, row["text"], str(title) if title else None, str(passages))
    kb = KnowledgeBase.empty(index_dir, embedder)
    kb.upsert(list(documents.values()))
    return kb


def load_questions(path: Path) -> list[dict[str, Any]]:
    rows = read_jsonl(path, required=("question", "answerable"))
    for number, row in enumerate(rows, start=1):
        if not isinstance(row["question"], str) or not isinstance(row["answerable"], bool):
            raise DatasetError(
                f'{path}: question {number}: needs a string "question" and a bool "answerable"'
            )
        if row["answerable"] and not row.get("passage_ids"):
            raise DatasetError(f'{path}: question {number}: an answerable question needs "passage_ids"')
    return rows


def _lcs(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(candidate: str, references: list[str]) -> float:
    """ROUGE-L F1 (longest common subsequence of lowercased word tokens) against the best reference."""
    cand = tokenize(candidate)
    best = 0.0
    for reference in references:
        ref = tokenize(reference)
        lcs = _lcs(cand, ref) if cand and ref else 0
        if lcs:
            precision, recall = lcs / len(cand), lcs / len(ref)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def _answer_text(draft: Draft) -> str:
    return " ".join(s.text for s in draft.chosen)


def run_questions(kb: KnowledgeBase, questions: list[dict[str, Any]]) -> tuple[list[Draft], list[float]]:
    """Drafts (retrieval, answer, confidence) for every question, and each one's latency in ms.

    Each draft's ``hits`` are the first :data:`SEARCH_K` chunks (for recall); its answer and
    confidence come from the first ``TOP_K`` of them, as in the knowledge graph; retrieval is the
    graph's too (:func:`crewline.tools.answering.retrieve`: everyday alternatives, misspellings,
    pseudo-relevance feedback).
    """
    drafts, latencies = [], []
    for row in questions:
        started = time.perf_counter()
        hits = retrieve(kb, row["question"][:MAX_QUERY_CHARS], SEARCH_K)
        draft = draft_answer(kb, row["question"], hits=hits[:TOP_K])
        latencies.append((time.perf_counter() - started) * 1000.0)
        drafts.append(replace(draft, hits=hits))
    return drafts, latencies


def _passages(draft: Draft) -> list[str]:
    return list(dict.fromkeys(hit.doc_id for hit in draft.hits))[:RECALL_K]


def figures(questions: list[dict[str, Any]], drafts: list[Draft], latencies: list[float]) -> dict[str, Any]:
    answerable = [(q, d) for q, d in zip(questions, drafts, strict=True) if q["answerable"]]
    unanswerable = [d for q, d in zip(questions, drafts, strict=True) if not q["answerable"]]
    recall = [bool(set(map(str, q["passage_ids"])) & set(_passages(d))) for q, d in answerable]
    answered = [d.confidence >= CONFIDENCE_THRESHOLD and bool(d.chosen) for _, d in answerable]
    abstained = [d.confidence < CONFIDENCE_THRESHOLD or not d.chosen for d in unanswerable]
    labels = [int(q["answerable"]) for q in questions]
    auroc = roc_auc_score(labels, [d.confidence for d in drafts]) if 0 < sum(labels) < len(labels) else None
    overlaps = [
        rouge_l(_answer_text(d), [str(a) for a in q.get("answers") or []])
        for (q, d), ok in zip(answerable, answered, strict=True)
        if ok and q.get("answers")
    ]

    def mean(values: list[float] | list[bool]) -> float | None:
        return round(statistics.fmean(values), 4) if values else None

    return {
        "n": len(questions),
        "recall_at_5": mean(recall),
        "abstain_auroc": round(float(auroc), 4) if auroc is not None else None,
        "answerable_answered": mean(answered),
        "unanswerable_abstained": mean(abstained),
        "rouge_l": mean(overlaps),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "threshold": CONFIDENCE_THRESHOLD,
    }


def run(args: argparse.Namespace, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The figures; ``details``, when given, receives each question's confidence (``--report``)."""
    questions = load_questions(args.questions)
    with tempfile.TemporaryDirectory(prefix="crewline-rag-") as tmp:
        embedder = make_embedder(getattr(args, "embedder", "hashing"))
        started = time.perf_counter()
        kb = ingest_passages(args.passages, Path(tmp) / "kb", embedder)
        ingest_s = time.perf_counter() - started
        for row in questions:
            missing = [p for p in row.get("passage_ids") or [] if str(p) not in kb.documents]
            if missing:
                raise DatasetError(
                    f"{args.questions}: question {row.get('id')!r} names unknown passage {missing[0]!r}"
                )
        drafts, latencies = run_questions(kb, questions)
    result = figures(questions, drafts, latencies)
    if details is not None:
        details["examples"] = [
            {
                "question": q["question"],
                "answerable": q["answerable"],
                "confidence": d.confidence,
                "has_answer": bool(d.chosen),
            }
            for q, d in zip(questions, drafts, strict=True)
        ]
    return {**result, "embedder": kb.manifest["embedder"]["name"], "ingest_s": round(ingest_s, 2)}
