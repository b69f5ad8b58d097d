"""Model-based groundedness against a real chat-completions server on loopback (``ChatOpenAI``, no mocks)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_openai import ChatOpenAI

from crewline.nodes.guards import GuardSettings, check_output, default_vault
from crewline.nodes.guards.grounding import MAX_PASSAGES, MAX_SENTENCES, model_claims, model_groundedness
from crewline.nodes.models.factory import ModelChain, ModelSettings
from crewline.nodes.types import Source, SubtaskResult
from tests.support.fake_openai import FakeOpenAI, Reply, error, hang, offered_tools, structured, text

PASSAGE = "Replacement cards arrive in 5-7 business days by standard mail. Express delivery costs $25."
SOURCE = Source(id="kb:card-replacement#0", title="Card replacement", snippet=PASSAGE)


def _result(
    answer: str,
    *,
    path: str = "model",
    sources: list[Source] | None = None,
    status: str = "done",
    subtask_id: str = "t1.1",
) -> SubtaskResult:
    return SubtaskResult(
        subtask_id=subtask_id,
        specialist="knowledge",
        status=status,  # type: ignore[typeddict-item]
        answer=answer,
        confidence=0.9,
        sources=[SOURCE] if sources is None else sources,
        path=path,  # type: ignore[typeddict-item]
        tool="knowledge_graph",
        pending_action=None,
    )


def _chain(server: FakeOpenAI, tmp_path: Path, **settings: Any) -> ModelChain:
    model = ChatOpenAI(base_url=server.base_url, api_key="test", model="judge", max_retries=0)  # type: ignore[arg-type]
    options = {"max_retries": 0, "backoff_s": 0.0, **settings}
    return ModelChain(model, settings=ModelSettings(**options), data_dir=tmp_path)


def _report(*entries: tuple[int, bool, int | None]) -> Reply:
    return structured({"sentences": [{"sentence": n, "supported": s, "source": p} for n, s, p in entries]})


CONFIG = {"configurable": {"thread_id": "g1"}}


def test_claims_are_the_model_written_answers_with_text_sources() -> None:
    results = [
        _result("Replacement cards arrive in 5-7 business days [1]. Express costs $25 [1]."),
        _result("Customer C-1001 owes $1,234.50.", sources=[Source(id="erp:CUSTMAST/1", title="Customer")]),
        _result("Cards arrive in 5-7 business days.", path="offline", subtask_id="t1.3"),
        _result("The model gave no answer.", status="failed", subtask_id="t1.4"),
    ]
    claims = model_claims(results)
    assert claims is not None
    assert claims.sentences == ["Replacement cards arrive in 5-7 business days.", "Express costs $25."]
    assert claims.passages == [("Card replacement", PASSAGE)]
    assert model_claims(results[1:]) is None  # no model-written answer with text to check it against


def test_the_judge_sees_placeholders_not_the_personal_data_tools_returned() -> None:
    record = "Customer C-1001 (Ada Quill), email ada.quill@example.com, phone +1 415 555 0134."
    source = Source(id="erp:CUSTMAST/1", title="Customer record C-1001", snippet=record)
    vault = default_vault()
    placeholder = vault.redact("ada.quill@example.com")
    claims = model_claims([_result(f"Their email is {placeholder} [1].", sources=[source])])
    assert claims is not None
    judged = " ".join([*claims.sentences, *(text for _, text in claims.passages)])
    assert "ada.quill@example.com" not in judged and "555 0134" not in judged
    assert placeholder in claims.passages[0][1]  # the answer's placeholder matches the passage's


def test_offline_crew_makes_no_call() -> None:
    judged = model_groundedness([_result("Cards arrive by drone [1].")], None, CONFIG, turn=1)
    assert judged.verdict is None and not judged.notes and not judged.usage


def test_supported_answer_passes_and_the_call_is_counted(tmp_path: Path) -> None:
    answer = "Replacement cards arrive in 5-7 business days [1]. Express delivery costs $25 [1]."
    with FakeOpenAI([_report((1, True, 1), (2, True, 1))]) as server:
        judged = model_groundedness([_result(answer)], _chain(server, tmp_path), CONFIG, turn=1)
        request = server.requests[0]
    assert judged.verdict is not None
    assert judged.verdict["action"] == "pass" and judged.verdict["score"] == 1.0
    assert judged.usage["model_calls"] == 1 and judged.usage["prompt_tokens"] > 0
    assert offered_tools(request) == ["GroundednessReport"]  # structured output, forced
    prompt = json.dumps(request["messages"])
    assert "[1] Card replacement" in prompt and "2. Express delivery costs $25." in prompt


def test_unsupported_sentence_escalates_with_its_text(tmp_path: Path) -> None:
    answer = "Replacement cards arrive in 5-7 business days [1]. Express delivery is free [1]."
    with FakeOpenAI([_report((1, True, 1), (2, False, None))]) as server:
        judged = model_groundedness([_result(answer)], _chain(server, tmp_path), CONFIG, turn=1)
    assert judged.verdict is not None and judged.verdict["action"] == "escalate"
    assert judged.verdict["score"] == 0.5
    assert "1 of 2 sentences" in judged.verdict["reason"]
    assert "Express delivery is free." in judged.verdict["reason"]
    verdicts = check_output(
        answer, evidence=[PASSAGE], system_prompts=[], confidence=0.9, settings=GuardSettings(),
        grounding=judged.verdict,
    )  # fmt: skip
    grounded = [v for v in verdicts if v["guard"] == "groundedness"]
    assert grounded == [judged.verdict]  # the model's verdict replaces the lexical one


def test_a_blocked_answer_is_not_sent_to_the_judge(tmp_path: Path) -> None:
    answer = "Cards arrive in 5-7 business days [1]. Your key is AKIAIOSFODNN7EXAMPLE."
    with FakeOpenAI([_report((1, True, 1), (2, True, 1))]) as server:
        chain = _chain(server, tmp_path)
        verdicts = check_output(
            answer, evidence=[PASSAGE], system_prompts=[], confidence=0.9, settings=GuardSettings(),
            grounding=lambda: model_groundedness([_result(answer)], chain, CONFIG, turn=1).verdict,
        )  # fmt: skip
        assert server.calls == 0  # the secret blocks the answer: judging it would be a wasted call
    assert any(v["guard"] == "output_pii" and v["action"] == "block" for v in verdicts)
    assert not [v for v in verdicts if v["guard"] == "groundedness"]  # nor the lexical check: moot


def test_an_unblocked_answer_is_judged_on_demand(tmp_path: Path) -> None:
    answer = "Replacement cards arrive in 5-7 business days [1]. Express delivery is free [1]."
    with FakeOpenAI([_report((1, True, 1), (2, False, None))]) as server:
        chain = _chain(server, tmp_path)
        verdicts = check_output(
            answer, evidence=[PASSAGE], system_prompts=[], confidence=0.9, settings=GuardSettings(),
            grounding=lambda: model_groundedness([_result(answer)], chain, CONFIG, turn=1).verdict,
        )  # fmt: skip
        assert server.calls == 1
    grounded = [v for v in verdicts if v["guard"] == "groundedness"]
    assert len(grounded) == 1 and grounded[0]["action"] == "escalate"
    assert "Express delivery is free." in grounded[0]["reason"]


def test_supported_without_a_passage_counts_as_unsupported(tmp_path: Path) -> None:
    with FakeOpenAI([_report((1, True, None))]) as server:
        judged = model_groundedness(
            [_result("Cards arrive in 5-7 business days [1].")], _chain(server, tmp_path), CONFIG, turn=1
        )
    assert judged.verdict is not None and judged.verdict["action"] == "escalate"


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (error(500, "upstream down"), "model unavailable"),
        (error(401, "bad key"), "model unavailable"),
        (text("Looks fine to me."), "model unavailable"),  # not the structured call: re-asked, given up
        (_report((1, True, 1)), "skips sentence 2"),
        (_report((1, True, 1), (2, True, 7)), "passage 7"),
        (_report((1, True, 1), (1, False, None), (2, True, 1)), "twice"),
    ],
)
def test_a_failing_model_falls_back_to_the_lexical_check(tmp_path: Path, reply: Reply, why: str) -> None:
    answer = "Replacement cards arrive in 5-7 business days [1]. Express delivery costs $25 [1]."
    with FakeOpenAI(lambda body: reply) as server:
        judged = model_groundedness([_result(answer)], _chain(server, tmp_path), CONFIG, turn=1)
    assert judged.verdict is None  # check_output then runs the lexical check
    fallback = [v for v in judged.notes if v["guard"] == "model_fallback"]
    assert len(fallback) == 1 and why in fallback[0]["reason"], judged.notes
    assert fallback[0]["reason"].startswith("groundedness judged lexically")
    assert judged.usage.get("model_calls", 0) == server.calls  # every attempt is counted
    verdicts = check_output(
        answer, evidence=[PASSAGE], system_prompts=[], confidence=0.9, settings=GuardSettings()
    )
    assert [v["action"] for v in verdicts if v["guard"] == "groundedness"] == ["pass"]


def test_a_hanging_model_is_bounded_by_the_timeout(tmp_path: Path) -> None:
    with FakeOpenAI(lambda body: hang(5.0)) as server:
        judged = model_groundedness(
            [_result("Cards arrive in 5-7 business days [1].")],
            _chain(server, tmp_path, timeout_s=0.3),
            CONFIG,
            turn=1,
        )
    assert judged.verdict is None
    assert any("model unavailable" in v["reason"] for v in judged.notes)


def test_a_spent_run_budget_makes_no_call(tmp_path: Path) -> None:
    settings = ModelSettings(max_retries=0)
    settings.budgets.run.model_calls = 0
    with FakeOpenAI([_report((1, True, 1))]) as server:
        model = ChatOpenAI(base_url=server.base_url, api_key="test", model="judge", max_retries=0)  # type: ignore[arg-type]
        chain = ModelChain(model, settings=settings, data_dir=tmp_path)
        claim = _result("Cards arrive in 5-7 business days [1].")
        judged = model_groundedness([claim], chain, CONFIG, turn=1)
    assert server.calls == 0 and judged.verdict is None
    assert any(v["guard"] == "budget" for v in judged.notes)


def test_a_very_long_answer_is_judged_lexically_without_a_call(tmp_path: Path) -> None:
    answer = " ".join(f"Fact number {i} holds [1]." for i in range(MAX_SENTENCES + 1))
    with FakeOpenAI([_report((1, True, 1))]) as server:
        judged = model_groundedness([_result(answer)], _chain(server, tmp_path), CONFIG, turn=1)
    assert server.calls == 0 and judged.verdict is None
    assert "exceed" in judged.notes[0]["reason"]


def test_too_many_passages_are_judged_lexically_without_a_call(tmp_path: Path) -> None:
    results = [
        _result("Cards arrive in 5-7 business days [1].", subtask_id=f"t1.{i}",
                sources=[Source(id=f"kb:{i}", title=f"Article {i}", snippet=f"{PASSAGE} ({i})")])
        for i in range(MAX_PASSAGES + 1)
    ]  # fmt: skip
    with FakeOpenAI([_report((1, True, 1))]) as server:
        judged = model_groundedness(results, _chain(server, tmp_path), CONFIG, turn=1)
    assert server.calls == 0 and judged.verdict is None
    assert "passages exceed" in judged.notes[0]["reason"]
