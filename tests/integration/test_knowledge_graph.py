"""The knowledge graph offline, inside the support crew, and on the model path (a real HTTP server)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage
from langchain_openai import ChatOpenAI
from langgraph.checkpoint.memory import InMemorySaver

from crewline.graphs import build_crew
from crewline.graphs.knowledge import build_knowledge_graph
from crewline.nodes.models.factory import ModelChain
from tests.support.cli import crewline, crewline_process
from tests.support.fake_openai import FakeOpenAI, Reply, error, text
from tests.support.shared_data import require_shared

ANSWERABLE = "How long does a replacement card take?"
OFF_TOPIC = "What is the capital of France?"


def _model(server: FakeOpenAI) -> ModelChain:
    return ModelChain(ChatOpenAI(base_url=server.base_url, api_key="test", model="fake", max_retries=0))  # type: ignore[arg-type]


def test_offline_graph_answers_with_citations_or_abstains() -> None:
    graph = build_knowledge_graph()
    out = graph.invoke({"question": ANSWERABLE})
    assert out["answered"] is True and out["path"] == "offline" and "5–7 business days" in out["answer"]
    assert out["sources"][0]["id"].startswith("kb:card-replacement#") and out["escalation"] is None
    assert all(g["supported"] for g in out["grounding"])
    out = graph.invoke({"messages": [HumanMessage(OFF_TOPIC)]})
    assert out["answered"] is False and out["sources"] == [] and "no answer" in out["answer"]
    assert out["escalation"]["kind"] == "low_confidence" and "below" in out["escalation"]["reason"]
    huge = graph.invoke({"question": ANSWERABLE + " filler" * 9000})
    assert huge["answered"] in (True, False) and len(huge["answer"]) < 1000  # truncated, no crash


FAQ = [  # issue 16: the demo help centre answers these, and both abstained (confidence 0.39 / 0.41)
    ("What are your support hours?", "24 hours a day, 7 days a week", "contact-us"),
    (
        "Do I need a travel notice before going abroad?",
        "You do not need to tell us before you travel",
        "travel",
    ),
]


def test_plain_faq_questions_the_help_centre_answers_are_answered_offline() -> None:
    graph = build_knowledge_graph()
    for question, fact, doc in FAQ:
        out = graph.invoke({"question": question})
        assert out["answered"] is True, (question, out["escalation"])
        assert fact in out["answer"] and any(s["id"].startswith(f"kb:{doc}#") for s in out["sources"])
    for question in ("Do you offer mortgages?", "What is your bank's routing number?"):  # still abstains
        assert graph.invoke({"question": question})["answered"] is False


def test_plain_faq_questions_are_answered_on_the_model_path() -> None:
    def responder(body: dict[str, Any]) -> Reply:
        prompt = json.dumps(body["messages"])
        if "24 hours a day" in prompt:
            return text("Customer service is open 24 hours a day, 7 days a week.")  # no [n]: still cited
        return text(
            f"You do not need to tell us before you travel [{_cite(body, 'do not need to tell us')}]."
        )

    with FakeOpenAI(responder) as server:
        graph = build_knowledge_graph(model=_model(server))
        outs = [graph.invoke({"question": question}) for question, _, _ in FAQ]
    assert server.calls == 2 and all(out["answered"] and out["path"] == "model" for out in outs)
    assert outs[0]["answer"].endswith("[1].") and outs[0]["sources"][0]["id"].startswith("kb:contact-us#")
    assert "do not need to tell us" in outs[1]["answer"] and outs[1]["sources"]


def test_personal_data_in_a_question_does_not_make_it_unanswerable() -> None:
    # the input guard hands the specialist "[CREDIT_CARD_…]": its hash is no search term
    crew = build_crew("support", checkpointer=InMemorySaver())
    question = "How do I dispute a charge on my card 4111 1111 1111 1111?"
    state = crew.invoke({"messages": [HumanMessage(question)]}, {"configurable": {"thread_id": "k0"}})
    result = next(r for r in state["results"].values() if r["specialist"] == "knowledge")
    assert result["status"] == "done" and state["escalation"] is None, state["verdicts"]
    assert "Dispute this charge" in state["answer"]
    graph = build_knowledge_graph()
    plain = graph.invoke({"question": ANSWERABLE})
    marked = graph.invoke({"question": ANSWERABLE.replace("?", " for [EMAIL_ADDRESS_a7c7a454]?")})
    assert marked["answered"] and marked["confidence"] == plain["confidence"]
    polite = graph.invoke({"question": f"Hi there! {ANSWERABLE} Thanks a lot."})  # nor does a courtesy
    assert polite["answered"] and polite["confidence"] == plain["confidence"]


def test_crew_knowledge_specialist_uses_the_graph_and_escalates_an_abstention() -> None:
    crew = build_crew("support", checkpointer=InMemorySaver())
    state = crew.invoke({"messages": [HumanMessage(ANSWERABLE)]}, {"configurable": {"thread_id": "k1"}})
    result = next(r for r in state["results"].values() if r["specialist"] == "knowledge")
    assert result["tool"] == "knowledge_graph" and result["status"] == "done"
    assert "5–7 business days" in state["answer"] and state["escalation"] is None
    state = crew.invoke(
        {"messages": [HumanMessage("What fees do you charge for owning a pet iguana?")]},
        {"configurable": {"thread_id": "k2"}},
    )
    knowledge = [r for r in state["results"].values() if r["specialist"] == "knowledge"]
    if knowledge:  # routed to knowledge: it abstained, so a human gets it
        assert knowledge[0]["status"] == "failed" and knowledge[0]["confidence"] == 0.0
    assert state["escalation"] is not None


def _cite(body: dict[str, Any], fact: str) -> int:
    """The number of the passage (as the graph numbered them in the request) that states ``fact``."""
    prompt = next(m["content"] for m in body["messages"] if "Passages:" in str(m.get("content")))
    for number, passage in re.findall(r"\[(\d+)\] (.*?)(?=\n\n\[\d+\] |\n\nQuestion:)", prompt, re.S):
        if fact in passage:
            return int(number)
    raise AssertionError(f"no passage states {fact!r}")


def test_model_answer_is_used_when_every_sentence_is_grounded() -> None:
    def responder(body: dict[str, Any]) -> Reply:
        n = _cite(body, "5–7 business days")
        return text(f"Replacement cards arrive in 5–7 business days by standard mail [{n}].")

    with FakeOpenAI(responder) as server:
        out = build_knowledge_graph(model=_model(server)).invoke({"question": ANSWERABLE})
    assert out["path"] == "model" and out["answered"] is True and server.calls == 1
    assert out["answer"].endswith("[1].")  # renumbered: the one cited source is [1]
    assert len(out["sources"]) == 1 and out["sources"][0]["id"].startswith("kb:card-replacement#")
    assert out["usage"]["model_calls"] == 1


def test_model_answer_without_citation_markers_is_accepted_when_supported() -> None:
    # issue 16: a correct answer without [n] was rejected by the grounding check, and nothing answered
    with FakeOpenAI(
        lambda body: text("Replacement cards arrive in 5–7 business days by standard mail.")
    ) as server:
        out = build_knowledge_graph(model=_model(server)).invoke({"question": ANSWERABLE})
    assert server.calls == 1 and out["path"] == "model" and out["answered"] is True, out.get("escalation")
    assert out["answer"] == "Replacement cards arrive in 5–7 business days by standard mail [1]."
    assert len(out["sources"]) == 1 and "5–7 business days" in out["sources"][0]["snippet"]
    assert out["grounding"][0]["source"] is not None and out["grounding"][0]["cited"] == []


def test_model_answer_citing_the_wrong_passage_cites_the_one_that_supports_it() -> None:
    def responder(body: dict[str, Any]) -> Reply:
        right = _cite(body, "5–7 business days")
        wrong = 1 if right != 1 else 2
        return text(f"Replacement cards arrive in 5–7 business days by standard mail [{wrong}].")

    with FakeOpenAI(responder) as server:
        out = build_knowledge_graph(model=_model(server)).invoke({"question": ANSWERABLE})
    assert server.calls == 1 and out["answered"] is True and out["answer"].endswith("[1].")
    assert "5–7 business days" in out["sources"][0]["snippet"]


def test_uncited_model_answer_no_passage_supports_is_revised_then_abstains() -> None:
    with FakeOpenAI(lambda body: text("Cards arrive within 24 hours by drone.")) as server:
        out = build_knowledge_graph(model=_model(server)).invoke({"question": ANSWERABLE})
    assert server.calls == 2 and out["answered"] is False and out["sources"] == []


def test_unsupported_model_answer_is_revised_once_then_accepted() -> None:
    def responder(body: dict[str, Any]) -> Reply:
        n = _cite(body, "5–7 business days")
        if "not supported" in json.dumps(body["messages"]):
            return text(f"Replacement cards arrive in 5–7 business days [{n}].")
        return text(f"Replacement cards arrive in 11 business days by drone [{n}].")

    with FakeOpenAI(responder) as server:
        out = build_knowledge_graph(model=_model(server)).invoke({"question": ANSWERABLE})
        second = server.requests[1]
    assert server.calls == 2 and out["answered"] is True and "5–7" in out["answer"]
    assert "not supported" in json.dumps(second["messages"])  # the model was told what was wrong


def test_still_unsupported_model_answer_abstains() -> None:
    with FakeOpenAI(lambda body: text("Cards arrive within 24 hours, guaranteed [1].")) as server:
        out = build_knowledge_graph(model=_model(server)).invoke({"question": ANSWERABLE})
    assert server.calls == 2 and out["answered"] is False and out["sources"] == []
    assert "unsupported sentence" in out["escalation"]["reason"]


def test_model_saying_no_answer_abstains_and_low_confidence_costs_no_call() -> None:
    with FakeOpenAI(lambda body: text("NO_ANSWER")) as server:
        graph = build_knowledge_graph(model=_model(server))
        assert graph.invoke({"question": ANSWERABLE})["answered"] is False
        calls = server.calls
        out = graph.invoke({"question": OFF_TOPIC})
    assert calls == 1 and server.calls == 1 and out["answered"] is False


def test_model_failure_falls_back_to_the_extractive_answer() -> None:
    with FakeOpenAI(lambda body: error(500, "down")) as server:
        out = build_knowledge_graph(model=_model(server)).invoke({"question": ANSWERABLE})
    assert out["path"] == "offline" and out["answered"] is True
    assert any(v["guard"] == "model_fallback" for v in out["verdicts"])


# --------------------------------------------------------------------------- the CLI


def test_cli_ingest_ask_and_bad_input(tmp_path: Path, crewline_data_dir: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "pets.md").write_text("# Pets\n\n## Dogs\n\nKestrel branches welcome dogs on Tuesdays.\n")
    (docs / "blob.txt").write_bytes(b"\x00\xff" * 50)
    done = crewline("ingest", str(docs), "--kb", "mine", "--json", data_dir=crewline_data_dir)
    report = json.loads(done.stdout)
    assert (
        done.returncode == 0
        and report["added"] == ["pets"]
        and report["skipped"][0]["reason"].startswith("binary")
    )
    done = crewline(
        "ask", "--kb", "mine", "Are dogs welcome at branches?", "--json", data_dir=crewline_data_dir
    )
    answer = json.loads(done.stdout)
    assert (
        answer["answered"] is True
        and "Tuesdays" in answer["answer"]
        and re.search(r"\[1\]", answer["answer"])
    )
    for args, message in [
        (("ask", "--kb", "mine", "x" * 50_000), "limit is"),
        (("ask", "--kb", "nope", "dogs?"), "no knowledge base named 'nope'"),
        (("ask", "--kb", "../etc", "dogs?"), "invalid knowledge base name"),
        (("ingest", str(tmp_path / "missing"), "--kb", "mine"), "no such file"),
        (("ingest", str(docs / "blob.txt"), "--kb", "mine"), "nothing to ingest"),
    ]:
        done = crewline(*args, data_dir=crewline_data_dir)
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_real_process_exits_2_with_one_line_on_a_missing_knowledge_base(crewline_data_dir: Path) -> None:
    # the in-process runs above stand for the command; this one is the entry point's own exit code
    done = crewline_process("ask", "--kb", "nope", "dogs?", data_dir=crewline_data_dir)
    assert done.returncode == 2, done.stderr
    assert "no knowledge base named 'nope'" in done.stderr and "Traceback" not in done.stderr


def test_eval_rag_on_a_small_dataset(tmp_path: Path, crewline_data_dir: Path) -> None:
    passages = tmp_path / "p.jsonl"
    questions = tmp_path / "q.jsonl"
    passages.write_text(
        "\n".join(
            json.dumps(p)
            for p in [
                {
                    "id": "a",
                    "title": "Voyager card",
                    "text": "The Voyager card has a $95 annual fee charged once a year.",
                },
                {
                    "id": "b",
                    "title": "Dogs",
                    "text": "Kestrel branches welcome dogs on Tuesdays and Thursdays.",
                },
            ]
        )
    )
    questions.write_text(
        "\n".join(
            json.dumps(q)
            for q in [
                {
                    "id": 1,
                    "question": "what is the annual fee of the voyager card",
                    "answers": ["$95"],
                    "passage_ids": ["a"],
                    "answerable": True,
                },
                {
                    "id": 2,
                    "question": "when are dogs welcome in branches",
                    "answers": ["Tuesdays and Thursdays"],
                    "passage_ids": ["b"],
                    "answerable": True,
                },
                {
                    "id": 3,
                    "question": "who invented the telephone",
                    "answers": [],
                    "passage_ids": [],
                    "answerable": False,
                },
            ]
        )
    )
    done = crewline(
        "eval", "rag", "--passages", str(passages), "--questions", str(questions), "--json",
        data_dir=crewline_data_dir,
    )  # fmt: skip
    figures = json.loads(done.stdout)
    assert figures["n"] == 3 and figures["recall_at_5"] == 1.0 and figures["abstain_auroc"] == 1.0
    assert figures["unanswerable_abstained"] == 1.0 and figures["p50_ms"] > 0
    bad = crewline(
        "eval", "rag", "--passages", str(questions), "--questions", str(questions), data_dir=crewline_data_dir
    )
    assert bad.returncode == 2 and "crewline: error:" in bad.stderr


def test_clapnq_retrieval_and_abstention_floor() -> None:
    shared = require_shared("clapnq").parent
    from crewline.evals.rag import figures, ingest_passages, load_questions, run_questions

    questions = load_questions(shared / "clapnq" / "questions_dev.jsonl")
    kb = ingest_passages(shared / "clapnq" / "passages.jsonl", Path(os.environ["CREWLINE_DATA_DIR"]) / "clap")
    result = figures(questions, *run_questions(kb, questions))
    assert result["recall_at_5"] >= 0.97
    assert result["abstain_auroc"] >= 0.75  # measured 0.79; the 0.85 is not reached yet
