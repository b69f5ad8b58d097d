"""The knowledge base (chunking, FAISS index on disk, rebuilds, locking) and the search_knowledge tool."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.tools import BaseTool
from pydantic import BaseModel

import crewline.memory.knowledge.index as knowledge_module
import crewline.tools.knowledge as knowledge_tool
from crewline.memory.knowledge.chunking import (
    MAX_CHUNK_CHARS,
    chunk_document,
    read_source,
    source_files,
    split_sentences,
)
from crewline.memory.knowledge.embeddings import HashingEmbedder, content_terms, stem
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.tools.errors import ToolFailure
from crewline.tools.knowledge import CONFIDENCE_THRESHOLD, DOCS_DIR, make_search_knowledge_tool

REPO = Path(__file__).resolve().parents[2]

ANSWERABLE = [
    ("How long does a replacement card take?", "card-replacement", "5–7 business days"),
    ("What is the late fee?", "fees", "$40"),
    ("How do I dispute a charge?", "disputes", "Dispute this charge"),
    ("Do my points expire?", "rewards", "do not expire"),
    ("I forgot my password", "app-login", "Forgot username or password"),
    ("Is there a fee for using my card abroad?", "travel", "no foreign transaction fee"),
    ("What's the phone number for fraud?", "contact-us", "1-800-555-0199"),
    ("What is the minimum payment?", "payments", "greater of $35 or 1%"),
    ("How much is the Voyager annual fee?", "fees", "$95"),
    ("Can I get a refund of my annual fee if I close my account?", "account-closure", "refund the $95"),
]

OFF_TOPIC = [
    "What is the capital of France?",
    "Who won the 1998 World Cup?",
    "Give me a recipe for chocolate chip cookies",
    "How do I reset my router?",
    "Explain quantum entanglement",
    "How do I open a savings account?",
    "Who is the president of the United States?",
    "Can I get a mortgage with Kestrel?",
]


@dataclass(frozen=True)
class Ctx:
    data_dir: Path


class OtherVersion(HashingEmbedder):
    version = "999"


class ExplodingEmbedder(HashingEmbedder):
    def embed_array(self, texts: Any) -> Any:
        raise RuntimeError("embedding service fell over")


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A private copy of the demo docs, safe to edit."""
    return Path(shutil.copytree(DOCS_DIR, tmp_path / "docs"))


@pytest.fixture(scope="module")
def tool(tmp_path_factory: pytest.TempPathFactory) -> BaseTool:
    return make_search_knowledge_tool(Ctx(tmp_path_factory.mktemp("data")))


def _ask(tool: BaseTool, query: str) -> dict[str, Any]:
    result = tool.invoke({"query": query})
    assert isinstance(result, dict)
    json.dumps(result)  # the tool contract: JSON-able
    assert (
        {"summary", "data", "sources", "confidence"}
        <= set(result)
        <= {"summary", "data", "sources", "confidence", "answered"}
    )
    assert ("answered" in result) == (result["sources"] == [])  # an abstention says so
    assert 0.0 <= result["confidence"] <= 1.0
    return result


def _count_embedded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records how many chunks each change embeds (a full rebuild embeds them all)."""
    calls: list[int] = []
    original = knowledge_module.chunk_vectors

    def counting(embedder: Any, chunks: Any) -> Any:
        calls.append(len(chunks))
        return original(embedder, chunks)

    monkeypatch.setattr(knowledge_module, "chunk_vectors", counting)
    return calls


# --------------------------------------------------------------------------- text handling


def test_stemming_and_content_terms_agree_on_word_forms() -> None:
    assert {stem(w) for w in ("charge", "charges", "charged", "charging")} == {"charg"}
    assert content_terms("How long does it take to get my new card?") == ["new", "card"]


def test_demo_docs_chunk_with_titles_sections_and_exact_offsets() -> None:
    files = source_files(DOCS_DIR)
    assert 18 <= len(files) <= 30
    for path in files:
        text = read_source(path)
        assert 150 <= len(text.split()) <= 420, path.name
        chunks = chunk_document(text, path.stem)
        assert chunks and all(c.title == text.splitlines()[0].lstrip("# ").strip() for c in chunks)
        for chunk in chunks:
            assert text[chunk.start : chunk.end] == chunk.text
            assert chunk.text.strip() == chunk.text and len(chunk.text) <= MAX_CHUNK_CHARS
            assert not chunk.text.startswith("#")


def test_chunking_handles_nesting_crlf_long_paragraphs_and_plain_text() -> None:
    long_sentence = "word " * 400
    text = (
        "# Title\r\n\r\nIntro line one.\r\nIntro line two.\r\n\r\n## Part A\r\n\r\nFirst. Second!\r\n"
        "### Detail\r\n- item one\r\n- item two\r\n\r\n## Part B\r\n\r\n"
        + "A sentence that repeats. " * 60
        + "\r\n\r\n"
        + long_sentence
    )
    chunks = chunk_document(text, "docs/sample-file", max_chars=300)
    assert [c.chunk_id for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text and 0 < len(chunk.text) <= 300
    assert chunks[0].section == "" and chunks[0].text == "Intro line one.\r\nIntro line two."
    assert {c.section for c in chunks} == {"", "Part A", "Part A › Detail", "Part B"}
    plain = chunk_document("Just some text.\n\nAnother paragraph.", "notes/my_notes", first_id=7)
    assert plain[0].title == "My Notes" and plain[0].chunk_id == 7


def test_sentence_spans_skip_list_markers_and_abbreviations() -> None:
    text = "- Call 1-800-555-0123, 7 a.m. to 11 p.m. daily.\n1. First step. Then the second.\nLast"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Call 1-800-555-0123, 7 a.m. to 11 p.m. daily.",
        "First step.",
        "Then the second.",
        "Last",
    ]


def test_embedder_is_deterministic_unit_length_and_identified() -> None:
    embedder = HashingEmbedder()
    vectors = np.array(embedder.embed_documents(["Replacement cards arrive in 5–7 days", ""]))
    assert vectors.shape == (2, 2048)
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0, atol=1e-5) and not vectors[1].any()
    assert embedder.embed_query("Replacement cards arrive in 5–7 days") == pytest.approx(list(vectors[0]))
    assert (embedder.name, embedder.version, embedder.dimension) == ("crewline-hashing", "1", 2048)


# --------------------------------------------------------------------------- the index on disk


def test_index_persists_as_json_and_faiss_and_reloads_with_the_same_results(tmp_path: Path) -> None:
    built = KnowledgeBase.build(DOCS_DIR, tmp_path / "kb")
    files = sorted(p.name for p in (tmp_path / "kb").iterdir())
    assert files == ["chunks.json", "index.faiss", "lexical.npz", "lexical.vocab.json", "manifest.json"]
    manifest = json.loads((tmp_path / "kb" / "manifest.json").read_text())
    assert manifest["embedder"] == {"name": "crewline-hashing", "version": "1", "dimension": 2048}
    assert manifest["chunk_count"] == len(built.chunks) and manifest["vector_index"] == "flat"
    assert manifest["updated_at"] and set(manifest["documents"]) == {p.stem for p in source_files(DOCS_DIR)}
    assert all(len(doc["sha256"]) == 64 and doc["chunk_ids"] for doc in manifest["documents"].values())
    loaded = KnowledgeBase.load(tmp_path / "kb")
    assert loaded.chunks == built.chunks
    for query in ("late fee", "How do I dispute a charge?", "lost card abroad"):
        first, again = built.search(query, k=5), loaded.search(query, k=5)
        assert [h.chunk_id for h in first] == [h.chunk_id for h in again]
        assert [h.score for h in first] == pytest.approx([h.score for h in again])
        assert all(0.0 <= h.score <= 1.0 and 0.0 <= h.dense <= 1.0 and 0.0 <= h.lexical <= 1.0 for h in first)
        assert all(h.score == pytest.approx((h.dense + h.lexical) / 2, abs=1e-5) for h in first)


def test_search_edge_cases(tmp_path: Path) -> None:
    kb = KnowledgeBase.build(DOCS_DIR, tmp_path / "kb")
    assert kb.search("") == [] and kb.search("   ") == [] and kb.search("what is it?") == []
    assert kb.search("late fee", k=0) == []
    every = kb.search("card", k=10_000)  # every chunk related at all, none that shares nothing
    assert len(kb.chunks) // 2 < len(every) <= len(kb.chunks) and all(h.score > 0 for h in every)
    hit = kb.search("How long does a replacement card take?", k=1)[0]
    assert hit.doc_id == "card-replacement" and hit.to_dict()["score"] == hit.score


def test_load_refuses_a_different_embedder(tmp_path: Path) -> None:
    KnowledgeBase.build(DOCS_DIR, tmp_path / "kb")
    with pytest.raises(ValueError, match="embedder"):
        KnowledgeBase.load(tmp_path / "kb", embedder=OtherVersion())
    with pytest.raises(ValueError, match="embedder"):
        KnowledgeBase.load(tmp_path / "kb", embedder=HashingEmbedder(dimension=1024))
    with pytest.raises(FileNotFoundError):
        KnowledgeBase.load(tmp_path / "missing")


def test_open_or_build_reindexes_only_what_changed(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedded = _count_embedded(monkeypatch)
    first = KnowledgeBase.open_or_build(docs, tmp_path / "kb")
    assert embedded == [len(first.chunks)]
    assert KnowledgeBase.open_or_build(docs, tmp_path / "kb").chunks == first.chunks
    assert embedded == [len(first.chunks)]  # unchanged sources: nothing embedded again
    (docs / "pets.md").write_text("# Pets\n\n## Dogs\n\nKestrel branches welcome dogs on Tuesdays.\n")
    changed = KnowledgeBase.open_or_build(docs, tmp_path / "kb")
    assert embedded[-1] == 1 and len(changed.chunks) == len(first.chunks) + 1  # only the new file
    assert changed.search("are dogs welcome", k=1)[0].doc_id == "pets"
    assert set(changed.chunks) > set(first.chunks)  # the other chunks kept their ids
    (docs / "pets.md").unlink()
    assert KnowledgeBase.open_or_build(docs, tmp_path / "kb").search("dogs welcome", k=1)[0].doc_id != "pets"
    other = KnowledgeBase.open_or_build(docs, tmp_path / "kb", embedder=OtherVersion())
    assert embedded[-1] == len(first.chunks) and other.manifest["embedder"]["version"] == "999"


def test_failed_build_leaves_the_previous_index(docs: Path, tmp_path: Path) -> None:
    good = KnowledgeBase.build(docs, tmp_path / "kb")
    before = (tmp_path / "kb" / "manifest.json").read_bytes()
    with pytest.raises(RuntimeError, match="fell over"):
        KnowledgeBase.build(docs, tmp_path / "kb", embedder=ExplodingEmbedder())
    (docs / "broken.md").write_bytes(b"# Broken\n\n\xff\xfe not utf-8\n")
    with pytest.raises(ValueError, match="UTF-8"):
        KnowledgeBase.build(docs, tmp_path / "kb")
    assert (tmp_path / "kb" / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".kb.")) == [".kb.lock"]
    reloaded = KnowledgeBase.load(tmp_path / "kb")
    assert [h.chunk_id for h in reloaded.search("late fee")] == [h.chunk_id for h in good.search("late fee")]


def test_build_refuses_to_replace_a_directory_that_is_not_an_index(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "precious.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not a knowledge base"):
        KnowledgeBase.build(DOCS_DIR, tmp_path / "kb")
    assert (tmp_path / "kb" / "precious.txt").read_text() == "keep me"


def test_damaged_index_is_rebuilt_by_open_or_build(tmp_path: Path) -> None:
    KnowledgeBase.build(DOCS_DIR, tmp_path / "kb")
    (tmp_path / "kb" / "chunks.json").write_text("{not json")
    with pytest.raises(ValueError):
        KnowledgeBase.load(tmp_path / "kb")
    assert KnowledgeBase.open_or_build(DOCS_DIR, tmp_path / "kb").search("late fee")


def test_concurrent_open_or_build_in_threads_builds_once(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedded = _count_embedded(monkeypatch)
    barrier = threading.Barrier(8)

    def open_and_search(_: int) -> list[int]:
        barrier.wait()
        kb = KnowledgeBase.open_or_build(docs, tmp_path / "kb")
        return [h.chunk_id for h in kb.search("How do I dispute a charge?")]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(open_and_search, range(8)))
    assert len(embedded) == 1 and all(r == results[0] and r for r in results)


def test_concurrent_open_or_build_across_processes(docs: Path, tmp_path: Path) -> None:
    (docs / "extra.md").write_text("# Extra\n\n## Note\n\nA fresh document forces a build.\n")
    script = (
        "import sys; from pathlib import Path; from crewline.memory.knowledge.index import KnowledgeBase\n"
        "kb = KnowledgeBase.open_or_build(Path(sys.argv[1]), Path(sys.argv[2]))\n"
        "print(kb.search('dispute a charge', k=1)[0].doc_id, len(kb.chunks))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(docs), str(tmp_path / "kb")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs), [err for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1 and outputs[0][0].startswith("disputes ")
    assert KnowledgeBase.load(tmp_path / "kb").manifest["chunk_count"] == int(outputs[0][0].split()[1])


# --------------------------------------------------------------------------- the tool


def test_tool_metadata_and_schema(tool: BaseTool) -> None:
    assert tool.name == "search_knowledge" and tool.description
    assert tool.metadata is not None and tool.metadata["requires_approval"] is False
    examples = tool.metadata["examples"]
    assert 6 <= len(examples) <= 10 and len(set(examples)) == len(examples)
    schema = tool.args_schema
    assert isinstance(schema, type) and issubclass(schema, BaseModel)
    query = schema.model_json_schema()["properties"]["query"]
    assert query["free_text"] is True and query["description"]


@pytest.mark.parametrize(("question", "doc_id", "fact"), ANSWERABLE)
def test_tool_answers_from_the_right_doc_with_citations(
    tool: BaseTool, question: str, doc_id: str, fact: str
) -> None:
    result = _ask(tool, question)
    assert result["confidence"] >= CONFIDENCE_THRESHOLD, result["data"]
    assert fact in result["summary"]
    sources = result["sources"]
    assert sources and sources[0]["id"].startswith(f"kb:{doc_id}#")
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", result["summary"])]
    assert markers and set(markers) == set(range(1, len(sources) + 1))
    for sentence, n in re.findall(r"(.+?) \[(\d+)\]\s*", result["summary"]):
        assert sentence.strip() in sources[int(n) - 1]["snippet"]  # extractive and grounded
    assert all(s["title"] and s["id"].startswith("kb:") for s in sources)
    assert result["data"]["hits"][0]["score"] > 0


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_tool_abstains_on_questions_the_docs_do_not_answer(tool: BaseTool, question: str) -> None:
    result = _ask(tool, question)
    assert result["confidence"] < CONFIDENCE_THRESHOLD
    assert result["sources"] == [] and "no answer" in result["summary"]


@pytest.mark.parametrize("query", ["", "   ", "?!", "the and of", "x" * 50_000])
def test_tool_survives_empty_and_huge_queries(tool: BaseTool, query: str) -> None:
    result = _ask(tool, query)
    assert result["sources"] == [] and result["confidence"] < CONFIDENCE_THRESHOLD


def test_tool_truncates_a_50kb_question(tool: BaseTool) -> None:
    words = " ".join(f"token{i}" for i in range(6000))
    result = _ask(tool, "How long does a replacement card take? " + words)
    assert len(words) > 50_000 and result["data"]["query_truncated"] is True


def test_tool_reports_an_unavailable_knowledge_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(knowledge_tool, "DOCS_DIR", tmp_path / "nowhere")
    broken = make_search_knowledge_tool(Ctx(tmp_path))
    with pytest.raises(ToolFailure, match="not available"):
        broken.invoke({"query": "late fee"})


def test_tool_builds_its_index_under_the_data_dir(tmp_path: Path) -> None:
    _ask(make_search_knowledge_tool(Ctx(tmp_path)), "late fee")
    assert (tmp_path / "kb" / "support" / "manifest.json").is_file()
