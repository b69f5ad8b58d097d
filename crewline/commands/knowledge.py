"""``crewline ingest PATH... --kb NAME`` and ``crewline ask --kb NAME "question"``.

Knowledge bases live in ``<data dir>/kb/NAME``. ``ingest`` adds new documents, re-indexes changed ones
and leaves unchanged ones alone (``--delete ID`` removes documents; ``--sync`` also removes every
document not in PATH...); files it cannot use are listed with a reason. ``ask`` runs the knowledge
graph: a cited answer, or an abstention that says why; passages the passage guard withheld (an
instruction or a phishing request in a document) are named on stderr and in ``--json``'s ``verdicts``.

``--embedder hashing|semantic`` picks the dense embedder of a new knowledge base (default hashing;
semantic needs the ``semantic`` extra). An existing knowledge base is always opened with the
embedder its manifest names; asking for another one is an error, not a silent mix.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from crewline.errors import UsageError
from crewline.settings import CrewlineSettings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

__all__ = ["register"]

# crewline.memory.knowledge.embeddings.EMBEDDERS, spelled out so that the CLI starts without importing numpy
# and friends
EMBEDDERS = ("hashing", "semantic")


def _kb_name(name: str | None) -> str:
    from crewline.memory.paths import data_dir
    from crewline.tools.knowledge import DEMO_KB, kb_dir

    if name is None:
        return DEMO_KB
    try:
        kb_dir(data_dir(), name)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return name


def _embedder_for(index_dir: Path, requested: str | None) -> Embeddings:
    """The embedder to open ``index_dir`` with: its manifest's, else ``requested`` (default hashing)."""
    from crewline.memory.knowledge.embeddings import embedder_identity, make_embedder
    from crewline.tools.knowledge import manifest_embedder

    if not (index_dir / "manifest.json").is_file():
        return make_embedder(requested or "hashing")
    recorded = manifest_embedder(index_dir)
    if requested is not None:
        wanted, built = embedder_identity(make_embedder(requested))[0], embedder_identity(recorded)[0]
        if wanted != built:
            raise UsageError(
                f"knowledge base {index_dir.name!r} was built with embedder {built!r}, not {wanted!r}; "
                "drop --embedder or use a new knowledge base name"
            )
    return recorded


def cmd_ingest(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.memory.knowledge.index import KnowledgeBase
    from crewline.memory.knowledge.loaders import load_paths
    from crewline.memory.paths import data_dir
    from crewline.tools.knowledge import DEMO_KB, kb_dir

    name = _kb_name(args.kb)
    if name == DEMO_KB:
        raise UsageError(
            f"{DEMO_KB!r} is the demo crew's knowledge base (built from its articles); pick another name"
        )
    if not args.paths and not args.delete:
        raise UsageError("give at least one PATH to ingest (or --delete DOC_ID...)")
    loaded = load_paths(args.paths)
    if not loaded.documents and not args.delete:
        first = loaded.skipped[0] if loaded.skipped else None
        detail = f" ({first.path}: {first.reason})" if first else ""
        raise UsageError(f"nothing to ingest: no usable documents in {len(args.paths)} path(s){detail}")
    index_dir = kb_dir(data_dir(), name)
    kb = KnowledgeBase.open(index_dir, _embedder_for(index_dir, args.embedder))
    report = kb.sync(loaded.documents) if args.sync else kb.upsert(loaded.documents)
    if args.delete:
        deleted = kb.delete(args.delete)
        report.deleted = sorted({*report.deleted, *deleted.deleted})
        report.chunks_removed += deleted.chunks_removed
    payload: dict[str, Any] = {
        "kb": name,
        **report.to_dict(),
        "skipped": [{"path": s.path, "reason": s.reason} for s in loaded.skipped],
        "documents": len(kb.documents),
        "chunks": len(kb.chunks),
        "index": str(kb.index_dir),
        "embedder": kb.manifest["embedder"]["name"],
    }
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    out = Console(soft_wrap=True)
    out.print(
        f"{name}: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, "
        f"{len(report.deleted)} deleted, {len(loaded.skipped)} skipped; "
        f"{payload['documents']} documents, {payload['chunks']} chunks",
        highlight=False,
    )
    for skipped in loaded.skipped:
        out.print(f"  skipped {skipped.path}: {skipped.reason}", highlight=False, markup=False)
    return 0


def _validate_question(question: str) -> str:
    from crewline.tools.answering import MAX_QUERY_CHARS

    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in question):
        raise UsageError("the question is not valid UTF-8")
    if any((ord(ch) < 32 and ch not in "\n\t\r") or ord(ch) == 127 for ch in question):
        raise UsageError("the question contains control characters")
    if not question.strip():
        raise UsageError("the question is empty")
    if len(question) > MAX_QUERY_CHARS:
        raise UsageError(f"the question has {len(question)} characters; the limit is {MAX_QUERY_CHARS}")
    return question


def cmd_ask(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.commands.run_record import recorded
    from crewline.graphs.knowledge import build_knowledge_graph
    from crewline.memory.paths import data_dir
    from crewline.nodes.models.factory import ModelSettings, make_model_chain
    from crewline.tools.knowledge import DEMO_KB, kb_dir

    name = _kb_name(args.kb)
    question = _validate_question(args.question)
    if name != DEMO_KB and not (kb_dir(data_dir(), name) / "manifest.json").is_file():
        raise UsageError(
            f"no knowledge base named {name!r}; create it with: crewline ingest PATH --kb {name}"
        )
    if name == DEMO_KB and args.embedder not in (None, "hashing"):
        raise UsageError(f"the demo knowledge base {DEMO_KB!r} uses the hashing embedder")
    if name != DEMO_KB:
        _embedder_for(kb_dir(data_dir(), name), args.embedder)  # refuses a mismatched --embedder
    graph = build_knowledge_graph(model=make_model_chain(ModelSettings()), kb=name)
    # recorded in the audit log and `crewline report` like a crew run or a server run
    state = graph.invoke({"question": question, "kb": name}, recorded({}, None))
    payload = {
        "kb": name,
        "answer": state.get("answer", ""),
        "answered": bool(state.get("answered")),
        "confidence": state.get("confidence", 0.0),
        "sources": state.get("sources") or [],
        "path": state.get("path", "offline"),
        "escalation": state.get("escalation"),
        "verdicts": [v for v in state.get("verdicts") or [] if v["action"] != "pass"],
    }
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    out = Console(soft_wrap=True)
    out.print(payload["answer"], highlight=False, markup=False)
    for n, source in enumerate(payload["sources"], start=1):
        out.print(f"[{n}] {source.get('title', '')} ({source.get('id', '')})", highlight=False, markup=False)
    for withheld in (v for v in payload["verdicts"] if v["guard"] == "passage_guard"):
        console.print(f"withheld: {withheld['reason']}", highlight=False, markup=False)
    verdict = "answered" if payload["answered"] else "abstained"
    console.print(
        f"{verdict}, confidence {payload['confidence']:.2f}, path {payload['path']}", highlight=False
    )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ingest = sub.add_parser("ingest", help="add files and folders to a knowledge base")
    ingest.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files and folders")
    ingest.add_argument("--kb", required=True, help="knowledge base name")
    ingest.add_argument("--delete", nargs="+", default=[], metavar="DOC_ID", help="remove these documents")
    ingest.add_argument("--sync", action="store_true", help="also remove documents that are not in PATH...")
    ingest.add_argument("--json", action="store_true", help="print the ingest report as one JSON object")
    ingest.add_argument(
        "--embedder",
        choices=EMBEDDERS,
        help="embedder of a new knowledge base (default hashing); an existing one keeps its own",
    )
    ingest.set_defaults(handler=cmd_ingest)

    ask = sub.add_parser("ask", help="ask a knowledge base a question")
    ask.add_argument("question")
    ask.add_argument(
        "--kb", help="knowledge base name (default: the demo crew's knowledge base, built from its articles)"
    )
    ask.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ask.add_argument(
        "--embedder",
        choices=EMBEDDERS,
        help="check that the knowledge base was built with this embedder (it is opened with its own)",
    )
    ask.set_defaults(handler=cmd_ask)
