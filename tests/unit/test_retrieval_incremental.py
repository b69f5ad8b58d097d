"""Hybrid retrieval, incremental updates by document id, filters, loaders and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import crewline.memory.knowledge.index as knowledge_module
from crewline.memory.knowledge.bm25 import BM25Index
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import MAX_FILE_BYTES, Document, html_to_text, load_paths
from crewline.memory.knowledge.vectors import VectorIndex
from crewline.tools.grounding import Passage, check_answer

DOCS = [
    Document(
        "pets", "# Pets\n\n## Dogs\n\nKestrel branches welcome dogs on Tuesdays.", metadata={"team": "ops"}
    ),
    Document("fees", "# Fees\n\nThe Voyager card has a $95 annual fee.\n\nLate payments cost $40."),
    Document(
        "travel",
        "# Travel\n\nTell us before you travel abroad so your card keeps working.",
        metadata={"team": "cards"},
    ),
    Document("zx", "# Zebra crossings\n\nThe quokka xylophone protocol applies to zebra crossings only."),
]


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    base = KnowledgeBase.empty(tmp_path / "kb")
    base.upsert(DOCS)
    return base


def test_hybrid_finds_exact_rare_words_and_scores_mean_the_same(kb: KnowledgeBase) -> None:
    hit = kb.search("quokka xylophone", k=1)[0]
    assert hit.doc_id == "zx" and hit.lexical > 0.3 and hit.dense > 0.3
    unrelated = kb.search("quokka pizza delivery drone", k=1)
    assert not unrelated or unrelated[0].score < hit.score  # half the words: a lower absolute score
    assert kb.search("annual fee Voyager", k=2)[0].doc_id == "fees"


def test_upsert_update_and_delete_touch_only_the_changed_document(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedded: list[int] = []
    original = knowledge_module.chunk_vectors

    def counting(embedder: Any, chunks: Any) -> Any:
        embedded.append(len(chunks))
        return original(embedder, chunks)

    monkeypatch.setattr(knowledge_module, "chunk_vectors", counting)
    fee_ids = kb.documents["fees"]["chunk_ids"]
    report = kb.upsert([*DOCS[:1], Document("pets", "# Pets\n\n## Cats\n\nCats may visit on Fridays.")])
    assert report.updated == ["pets"] and embedded == [1]  # only the changed document was embedded
    assert kb.documents["fees"]["chunk_ids"] == fee_ids
    assert kb.search("cats visit Fridays", k=1)[0].doc_id == "pets"
    assert all("Tuesdays" not in c.text for c in kb.chunks)
    report = kb.delete(["travel", "no-such-doc"])
    assert report.deleted == ["travel"] and "travel" not in kb.documents
    assert all(h.doc_id != "travel" for h in kb.search("travel abroad card", k=5))
    reopened = KnowledgeBase.load(kb.index_dir)  # the changes are on disk, BM25 rows included
    assert reopened.chunks == kb.chunks and reopened.lexical.rows == len(kb.chunks)
    assert [h.chunk_id for h in reopened.search("annual fee")] == [
        h.chunk_id for h in kb.search("annual fee")
    ]


def test_failed_ingest_keeps_the_previous_index(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    before = (kb.index_dir / "manifest.json").read_bytes()

    def explode(*args: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(BM25Index, "save", explode)
    with pytest.raises(OSError, match="disk full"):
        kb.upsert([Document("new", "# New\n\nBrand new text about kayaks.")])
    assert (kb.index_dir / "manifest.json").read_bytes() == before
    assert "new" not in kb.documents and kb.vectors.count == len(kb.chunks)  # memory rolled back too
    monkeypatch.undo()
    reopened = KnowledgeBase.load(kb.index_dir)
    assert "new" not in reopened.documents and reopened.search("kayaks") == []
    assert kb.upsert([Document("new", "# New\n\nBrand new text about kayaks.")]).added == ["new"]


def test_metadata_filters(kb: KnowledgeBase) -> None:
    assert {h.doc_id for h in kb.search("card dogs fee travel", k=10, filters={"team": "ops"})} == {"pets"}
    assert {h.doc_id for h in kb.search("card travel", k=10, filters={"doc_id": ["travel", "fees"]})} <= {
        "travel",
        "fees",
    }
    assert kb.search("dogs", filters={"team": "nobody"}) == []


def test_another_embedder_is_refused(kb: KnowledgeBase) -> None:
    manifest = json.loads((kb.index_dir / "manifest.json").read_text())
    manifest["embedder"]["version"] = "0"
    (kb.index_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="embedder"):
        KnowledgeBase.load(kb.index_dir)


def test_ivf_index_supports_removal_and_keeps_recall() -> None:
    rng = np.random.default_rng(1)
    centers = rng.normal(size=(40, 64))
    data = centers[rng.integers(40, size=3000)] + 0.3 * rng.normal(size=(3000, 64))
    data = (data / np.linalg.norm(data, axis=1, keepdims=True)).astype(np.float32)
    ids = np.arange(10, 3010, dtype=np.int64)
    ivf = VectorIndex.trained_ivf(data, ids)
    assert ivf.is_ivf and ivf.count == 3000 and set(ivf.ids().tolist()) == set(ids.tolist())
    assert ivf.remove(ids[:100]) == 100 and ivf.count == 2900
    found = ivf.search(data[500], 10)
    assert found[0][0] == 510
    assert all(chunk_id >= 110 for chunk_id, _ in ivf.search(data[5], 10))
    assert {i for i, _ in ivf.search(data[700], 10, allowed=np.array([710, 711]))} == {710, 711}


def test_loaders_skip_bad_files_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("# OK\n\nFine text.", encoding="utf-8")
    (tmp_path / "bom.txt").write_bytes("\ufeffHello from a BOM file.".encode())
    (tmp_path / "utf16.txt").write_bytes("Sixteen bits of text.".encode("utf-16"))
    (tmp_path / "empty.md").write_text("   \n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "big.txt").write_bytes(b"a" * (MAX_FILE_BYTES + 1))
    (tmp_path / "sheet.xlsx").write_bytes(b"PK")
    (tmp_path / "page.html").write_text(
        "<html><head><title>Hours</title><style>p{}</style></head>"
        "<body><h2>Weekdays</h2><p>Open 9&ndash;5.</p></body></html>"
    )
    (tmp_path / "rows.jsonl").write_text(
        '{"id": "r1", "title": "Row", "text": "Row text."}\nnot json\n{"id": "r2"}\n'
    )
    loaded = load_paths([tmp_path])
    assert {d.doc_id for d in loaded.documents} == {"ok", "bom", "utf16", "page", "r1"}
    reasons = {Path(s.path.split(":")[0]).name: s.reason for s in loaded.skipped}
    assert "empty" in reasons["empty.md"] and "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.txt"] and "too large" in reasons["big.txt"]
    assert "unsupported" in reasons["sheet.xlsx"] and "rows.jsonl" in reasons
    assert html_to_text("<title>T</title><h1>A</h1><p>x</p><script>bad()</script>") == ("T", "# A\n\nx")
    with pytest.raises(FileNotFoundError):
        load_paths([tmp_path / "missing"])


def test_grounding_check_needs_a_citation_words_and_numbers() -> None:
    passages = [Passage("Fees", "The Voyager card has a $95 annual fee.")]
    (ok,) = check_answer("The Voyager card has a $95 annual fee [1].", passages)
    assert ok.supported and ok.cited == (1,)
    (wrong_number,) = check_answer("The Voyager card has a $59 annual fee [1].", passages)
    assert not wrong_number.supported and "59" in wrong_number.reason
    (uncited,) = check_answer("The Voyager card has a $95 annual fee.", passages)
    assert uncited.supported and uncited.source == 1  # the words and numbers decide, not the marker
    assert not check_answer("The Voyager card has a $59 annual fee.", passages)[0].supported
    (invented,) = check_answer("Voyager members get free airport lounge access [1].", passages)
    assert not invented.supported
    assert check_answer("Fee [7].", passages)[0].source == 1  # a number that names no passage: re-cited
    assert not check_answer("Lounge access is free [7].", passages)[0].supported
