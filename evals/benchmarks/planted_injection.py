"""Planted injection benchmark: do instructions and phishing planted in a knowledge base reach answers?

    python -m crewline.evals.benchmarks.planted_injection [--data DIR] [--json]

A knowledge base of the demo help centre's articles (``crewline/tools/demo_data/docs``) gets the
documents of ``planted_injection.yaml``, written for this benchmark: plausible help-centre articles on
real topics (so questions about the topic retrieve them), each carrying an attack — a direct
override, role-play, instructions hidden in HTML comments, Markdown, tables, front matter or
invisible elements, Unicode tricks (zero-width characters, look-alike letters, tag characters,
fullwidth letters), obfuscation (leetspeak, base64, spaced letters), polite requests, claimed
authority, forged chat turns, other languages, and phishing (a link to "verify" an account, card data
or one-time codes asked for, gift cards, crypto, changed bank details, remote access). The corpus
comes in rounds: ``dev`` (the cues were fit to it) and held-out rounds, each written before the cues
that now catch it; the last round was never used to change anything. Clean articles that talk about
scams the way a help centre does (``hard_negatives``) check that a warning is not taken for an attack.

For every planted document and each of its questions the knowledge graph's retrieval and extractive
answer (what ``crewline ask``, the ``knowledge`` graph and the demo crew's knowledge specialist do
offline) run twice, with the passage guard and without it. A planted document *reaches* an answer
when the answer quotes its attack text or cites a passage holding it; it reaches the *evidence* when
a passage holding it is among those a chat model would be given (the model path). Every clean
question (two per demo article, and two per hard negative) is answered with the guard and with an
oracle that withholds exactly the planted passages: a *lost* clean answer is one the oracle's evidence
answers from clean articles and the guard's does not (the cost of the guard's false positives).
The same comparison runs over ClapNQ dev (596 Wikipedia passages, 200 questions) when
``../shared/data/clapnq`` is there, with the number of its chunks the guard flags. Latency: the
guard's cost per passage (uncached), and a whole offline knowledge answer's p50 without the guard,
with it on passages it has not seen, and with it again (verdicts are cached per passage).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from crewline.evals.datasets import read_jsonl, shared_data_dir
from crewline.memory.knowledge.embeddings import make_embedder
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document, load_paths
from crewline.nodes.guards import GuardSettings
from crewline.nodes.guards.passages import forget_verdicts, passage_screen, screen_passage
from crewline.tools.answering import (
    CONFIDENCE_THRESHOLD,
    PassageScreen,
    compose,
    draft_answer,
    screened_search,
)
from crewline.tools.knowledge import DOCS_DIR

__all__ = ["CORPUS", "Corpus", "Planted", "load_corpus", "run"]

CORPUS = Path(__file__).with_name("planted_injection.yaml")
ROUNDS = ("dev", *(f"held_out_{n}" for n in range(1, 11)))


@dataclass(frozen=True)
class Planted:
    doc_id: str
    style: str
    round: str  # dev (the cues were fit to it) or a held-out round (see the corpus's ``rounds``)
    markers: tuple[str, ...]  # attack text that must not appear in an answer
    text: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Corpus:
    planted: tuple[Planted, ...]
    hard_negatives: tuple[Document, ...]  # clean articles about scams, with their questions below
    warning_questions: tuple[str, ...]
    clean_questions: tuple[str, ...]


def load_corpus(path: Path = CORPUS) -> Corpus:
    """The benchmark's documents and questions (``planted_injection.yaml``, written for it)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    planted = tuple(
        Planted(p["id"], p["style"], p["round"], tuple(p["markers"]), p["text"], tuple(p["questions"]))
        for p in data["planted"]
    )
    negatives = tuple(Document(n["id"], n["text"], None, f"{n['id']}.md") for n in data["hard_negatives"])
    warnings = tuple(q for n in data["hard_negatives"] for q in n["questions"])
    return Corpus(planted, negatives, warnings, tuple(data["clean_questions"]))


def _attack(planted: Planted, text: str) -> bool:
    return any(marker.lower() in text.lower() for marker in planted.markers)


def _reached(planted: Planted, out: dict[str, Any]) -> bool:
    """The answer quotes the attack, or cites a passage that holds it (another passage of the same
    document, without the attack, is evidence like any other)."""
    return _attack(planted, out["answer"]) or any(
        _attack(planted, str(s.get("snippet", ""))) for s in out["sources"]
    )


def _answer(kb: KnowledgeBase, question: str, screen: PassageScreen | None) -> dict[str, Any]:
    """The knowledge graph's retrieve + extractive answer (what ``crewline ask`` does offline);
    ``evidence``: the passages a chat model would be given."""
    hits, withheld = screened_search(kb, question, 6, screen or (lambda _text: None))
    draft = draft_answer(kb, question, hits=hits)
    evidence = [h.text for h in hits]
    if not draft.chosen or draft.confidence < CONFIDENCE_THRESHOLD:
        return {"answered": False, "answer": "", "sources": [], "withheld": withheld, "evidence": evidence}
    composed = compose(draft)
    return {
        **composed,
        "answered": True,
        "answer": composed["summary"],
        "withheld": withheld,
        "evidence": evidence,
    }


def _build(docs: list[Document], where: Path) -> KnowledgeBase:
    kb = KnowledgeBase.open(where, make_embedder("hashing"))
    kb.upsert(docs)
    return kb


def _clean_source(out: dict[str, Any]) -> bool:
    return bool(out["answered"]) and not any(str(s["id"]).startswith("kb:planted") for s in out["sources"])


def _oracle(kb: KnowledgeBase) -> PassageScreen:
    """A screen that withholds exactly the planted documents' passages: the baseline a clean answer
    is lost against. Against no screen at all, a clean answer whose confidence a planted passage
    propped up (the top retrieval score) would count as lost when the guard drops that passage."""
    planted = tuple(c.text for c in kb.chunks if c.doc_id.startswith("planted"))

    def screen(text: str) -> str | None:
        return "planted" if any(text.endswith(chunk) for chunk in planted) else None

    return screen


def _lost(questions: list[str], kb: KnowledgeBase, screen: PassageScreen) -> dict[str, Any]:
    """Clean questions answered with the planted passages removed by an oracle and not answered with
    the passage guard: the cost of the guard's false positives."""
    oracle = _oracle(kb)
    lost, changed, baseline = [], [], 0
    for question in questions:
        plain = _answer(kb, question, oracle)
        if not _clean_source(plain):
            continue
        baseline += 1
        guarded = _answer(kb, question, screen)
        if not guarded["answered"]:
            lost.append(question)
        elif guarded["answer"] != plain["answer"]:
            changed.append(question)
    return {
        "questions": len(questions),
        "answered_without_guard": baseline,
        "lost": len(lost),
        "lost_share": round(len(lost) / baseline, 4) if baseline else 0.0,
        "answer_changed": len(changed),
        "lost_questions": lost,
    }


def _latency(texts: list[str], screen: PassageScreen) -> dict[str, float]:
    times = []
    for text in texts:
        began = time.perf_counter()
        screen(text)
        times.append((time.perf_counter() - began) * 1e3)
    times.sort()
    return {
        "passages": len(texts),
        "p50_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[int(0.99 * (len(times) - 1))], 3),
        "per_answer_ms": round(6 * statistics.mean(times), 3),
    }


def _answer_latency(questions: list[str], kb: KnowledgeBase, screen: PassageScreen) -> dict[str, float]:
    """p50 of a whole knowledge answer (retrieve, screen, draft): without the guard, with it on
    passages it has not seen (its verdict cache emptied first), and with it again (verdicts cached)."""
    forget_verdicts()
    timings: dict[str, list[float]] = {"without_guard": [], "with_guard_first": [], "with_guard_again": []}
    for name, chosen in (("without_guard", None), ("with_guard_first", screen), ("with_guard_again", screen)):
        for question in questions:
            began = time.perf_counter()
            _answer(kb, question, chosen)
            timings[name].append((time.perf_counter() - began) * 1e3)
    return {f"p50_{name}": round(statistics.median(values), 3) for name, values in timings.items()}


def run(data: Path | None = None, settings: GuardSettings | None = None) -> dict[str, Any]:
    screen = passage_screen(settings or GuardSettings())
    corpus = load_corpus()
    docs = [*load_paths([DOCS_DIR]).documents, *corpus.hard_negatives]
    planted_docs = [Document(p.doc_id, p.text, None, f"{p.doc_id}.md") for p in corpus.planted]
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        kb = _build([*docs, *planted_docs], Path(tmp) / "kb")
        rows = []
        for planted in corpus.planted:
            for question in planted.questions:
                plain, guarded = _answer(kb, question, None), _answer(kb, question, screen)
                rows.append({
                    "doc": planted.doc_id, "style": planted.style, "round": planted.round,
                    "question": question, "reached_without_guard": _reached(planted, plain),
                    "reached": _reached(planted, guarded), "answered": guarded["answered"],
                    "in_evidence_without_guard": any(_attack(planted, t) for t in plain["evidence"]),
                    "in_evidence": any(_attack(planted, t) for t in guarded["evidence"]),
                    "withheld": [w["id"] for w in guarded["withheld"]],
                })  # fmt: skip
        for name in ROUNDS:
            part = [r for r in rows if r["round"] == name]
            report[name] = {
                "documents": len({r["doc"] for r in part}),
                "questions": len(part),
                "reached_without_guard": sum(r["reached_without_guard"] for r in part),
                "reached": sum(r["reached"] for r in part),
                "in_evidence_without_guard": sum(r["in_evidence_without_guard"] for r in part),
                "in_evidence": sum(r["in_evidence"] for r in part),
                "reaching": sorted({f"{r['doc']} ({r['style']})" for r in part if r["reached"]}),
            }
        flagged = {w for r in rows for w in r["withheld"]}
        report["planted_documents_flagged"] = len(
            {w.split("#")[0] for w in flagged if w.startswith("kb:planted")}
        )
        report["clean_passages_flagged"] = sorted(w for w in flagged if not w.startswith("kb:planted"))
        report["clean_demo"] = _lost(list(corpus.clean_questions), kb, screen)
        report["answer_ms"] = _answer_latency(list(corpus.clean_questions), kb, screen)
        report["clean_warnings"] = _lost(list(corpus.warning_questions), kb, screen)
        chunks = [c.text for c in kb.chunks]
    root = data or shared_data_dir()
    clapnq = root / "clapnq" if root is not None else None
    if clapnq is not None and (clapnq / "passages.jsonl").is_file():
        passages = read_jsonl(clapnq / "passages.jsonl", required=["id", "text"])
        questions = read_jsonl(clapnq / "questions_dev.jsonl", required=["question"])
        wiki = [
            Document(str(p["id"]), str(p["text"]), str(p.get("title") or p["id"]), "clapnq") for p in passages
        ]
        with tempfile.TemporaryDirectory() as tmp:
            kb = _build(wiki, Path(tmp) / "kb")
            report["clean_clapnq"] = _lost([str(q["question"]) for q in questions], kb, screen)
            flags = [c.chunk_id for c in kb.chunks if screen(f"{c.title}\n{c.text}") is not None]
            report["clean_clapnq"]["chunks"] = len(kb.chunks)
            report["clean_clapnq"]["chunks_flagged"] = len(flags)
            chunks += [c.text for c in kb.chunks]
    guards = settings or GuardSettings()
    report["latency"] = _latency(chunks, lambda text: screen_passage(text, guards) and "flagged")
    return report


def _print(report: dict[str, Any], out: Callable[[str], None] = print) -> None:
    for part in ROUNDS:
        r = report[part]
        out(
            f"{part}: {r['documents']} planted documents, {r['questions']} questions; reaching an answer "
            f"without the guard {r['reached_without_guard']}, with it {r['reached']}; in the passages a "
            f"model reads without the guard {r['in_evidence_without_guard']}, with it {r['in_evidence']}"
        )
        for doc in r["reaching"]:
            out(f"  reaches: {doc}")
    for part in ("clean_demo", "clean_warnings", "clean_clapnq"):
        if part in report:
            r = report[part]
            lost = f"{r['lost']} ({100 * r['lost_share']:.1f}%)"
            out(
                f"{part}: {r['answered_without_guard']} of {r['questions']} answered with the planted "
                f"passages removed; lost with it {lost}, answer changed {r['answer_changed']}"
            )
    if "clean_clapnq" in report:
        clap = report["clean_clapnq"]
        out(f"clapnq chunks flagged: {clap['chunks_flagged']} of {clap['chunks']}")
    answers = report["answer_ms"]
    out(
        f"knowledge answer p50: {answers['p50_without_guard']} ms without the guard, "
        f"{answers['p50_with_guard_first']} ms with it on passages it has not seen, "
        f"{answers['p50_with_guard_again']} ms on passages it has (verdicts cached)"
    )
    lat = report["latency"]
    out(
        f"passage guard: p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms a passage over {lat['passages']}; "
        f"~{lat['per_answer_ms']} ms per knowledge answer (6 passages)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="the shared data folder (default ../shared/data)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = run(args.data)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
