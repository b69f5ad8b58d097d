"""Model-based groundedness: a configured chat model judges every sentence of a model-written answer
against the passages its specialist cited, and says which passage supports it.

What is judged: the answers of subtasks a model wrote (``path == "model"``) whose sources carry text
(``snippet``). An extractive answer copies its sources, so the lexical check
(:func:`crewline.nodes.guards.output.groundedness`) stays its judge; a source without text (an ERP record
reference) gives the model nothing to check a sentence against.

The call goes through the crew's :class:`~crewline.nodes.models.factory.ModelChain` (budgets, breakers,
retries, one
re-ask, fallback models) under the run's :class:`~crewline.nodes.models.budget.RunScope`, so it is charged and
counted like the planner's calls. Whenever no usable report comes back — provider errors, timeouts,
an open circuit, a spent budget, a report that skips or invents sentence or passage numbers — the
result says so and the lexical check decides instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from crewline.errors import RunError
from crewline.memory.knowledge.chunking import split_sentences
from crewline.nodes.guards.vault import default_vault
from crewline.nodes.models.budget import RunScope
from crewline.nodes.models.factory import ModelChain
from crewline.nodes.sync_async import Step, Steps, adrive, blocking, drive
from crewline.nodes.types import SubtaskResult, Usage, Verdict

__all__ = [
    "Claims",
    "GroundednessReport",
    "GroundingUnavailable",
    "ModelGrounding",
    "SentenceJudgement",
    "amodel_groundedness",
    "groundedness_steps",
    "judge_claims",
    "model_claims",
    "model_groundedness",
]

MAX_SENTENCES = 40  # a report per sentence must fit the completion cap; longer answers are judged lexically
MAX_PASSAGES = 12  # more: judged lexically rather than against a cut-down list
MAX_PASSAGE_CHARS = 2_000
_CITATION = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")

JUDGE_PROMPT = (
    "You check whether an answer is supported by its source passages. For every numbered answer "
    "sentence, decide whether one of the numbered passages states what the sentence claims. "
    "Paraphrase is fine; an added detail, a different number or date, or a negation is not supported. "
    "Return one entry per answer sentence: its number, supported true or false, and the number of the "
    "passage that supports it (null when it is not supported). Bracketed placeholders such as "
    "[EMAIL_ADDRESS_1a2b3c4d] stand for personal data; the same placeholder means the same value."
)


class SentenceJudgement(BaseModel):
    sentence: int = Field(ge=1, description="the number of the answer sentence")
    supported: bool = Field(description="true only when a passage states what the sentence claims")
    source: int | None = Field(default=None, description="the number of the passage that supports it")


class GroundednessReport(BaseModel):
    """One judgement per answer sentence."""

    sentences: list[SentenceJudgement]


class GroundingUnavailable(RunError):
    """The model's report cannot be used (the message says why)."""


@dataclass(frozen=True)
class Claims:
    """What the model judges: answer sentences (citation markers removed) and numbered passages."""

    sentences: list[str]
    passages: list[tuple[str, str]]  # (title, text)


@dataclass(frozen=True)
class ModelGrounding:
    """The model's groundedness verdict (``None``: the lexical check decides) and what the call cost."""

    verdict: Verdict | None = None
    notes: list[Verdict] = field(default_factory=list)  # retries, fallbacks, the reason for a fallback
    usage: Usage = field(default_factory=Usage)


def _sentences(answer: str) -> list[str]:
    found = [_CITATION.sub("", answer[start:end]).strip() for start, end in split_sentences(answer)]
    return [sentence for sentence in found if any(ch.isalnum() for ch in sentence)]


def model_claims(results: Iterable[SubtaskResult]) -> Claims | None:
    """Sentences of model-written answers and the text of their sources; ``None``: nothing to judge.

    Both are pseudonymised: a tool's raw output (a customer's email, a card number) is in the
    sources, and the judge must see placeholders, as the specialist's model did. Placeholders are
    deterministic, so a passage's placeholder matches the answer's.
    """
    vault = default_vault()
    sentences: list[str] = []
    passages: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for result in results:
        if result["status"] != "done" or result["path"] != "model":
            continue
        texts = [s for s in result["sources"] if (s.get("snippet") or "").strip()]
        if not texts:
            continue
        sentences += _sentences(vault.redact(result["answer"]))
        for source in texts:
            key = (source.get("id") or source.get("title", ""), source.get("snippet", ""))
            if key not in seen:
                seen.add(key)
                title, snippet = source.get("title", ""), source.get("snippet", "")[:MAX_PASSAGE_CHARS]
                passages.append((vault.redact(title), vault.redact(snippet)))
    if not sentences or not passages:
        return None
    return Claims(sentences, passages)


def _messages(claims: Claims) -> list[Any]:
    passages = "\n\n".join(
        f"[{n}] {title}\n{text}" if title else f"[{n}] {text}"
        for n, (title, text) in enumerate(claims.passages, start=1)
    )
    sentences = "\n".join(f"{n}. {sentence}" for n, sentence in enumerate(claims.sentences, start=1))
    return [
        SystemMessage(JUDGE_PROMPT),
        HumanMessage(f"Passages:\n{passages}\n\nAnswer sentences:\n{sentences}"),
    ]


def _checked(report: GroundednessReport, claims: Claims) -> dict[int, SentenceJudgement]:
    """The report by sentence number, or ``GroundingUnavailable`` when it does not fit the claims."""
    by_number: dict[int, SentenceJudgement] = {}
    for judgement in report.sentences:
        if judgement.sentence in by_number or judgement.sentence > len(claims.sentences):
            raise GroundingUnavailable(f"the report judges sentence {judgement.sentence} twice or invents it")
        if judgement.source is not None and not 1 <= judgement.source <= len(claims.passages):
            raise GroundingUnavailable(f"the report cites passage {judgement.source}, which does not exist")
        by_number[judgement.sentence] = judgement
    missing = sorted(set(range(1, len(claims.sentences) + 1)) - set(by_number))
    if missing:
        raise GroundingUnavailable(f"the report skips sentence {missing[0]}")
    return by_number


def _verdict(report: BaseModel, claims: Claims) -> Verdict:
    """The verdict a report gives; a sentence called supported without a passage counts as unsupported:
    the check is only as good as the evidence it can point to."""
    assert isinstance(report, GroundednessReport)
    by_number = _checked(report, claims)
    unsupported = [
        n for n in sorted(by_number) if not (by_number[n].supported and by_number[n].source is not None)
    ]
    total = len(claims.sentences)
    score = round((total - len(unsupported)) / total, 3)
    if not unsupported:
        reason = f"every sentence is supported by a cited source (model check of {total})"
        return Verdict(guard="groundedness", score=score, reason=reason, action="pass")
    first = claims.sentences[unsupported[0] - 1]
    shown = first if len(first) <= 120 else first[:117] + "..."
    reason = f"{len(unsupported)} of {total} sentences not supported by the sources (model check): “{shown}”"
    return Verdict(guard="groundedness", score=score, reason=reason, action="escalate")


def judge_claims(claims: Claims, chain: ModelChain, scope: RunScope) -> Verdict:
    """The model's verdict on ``claims``; raises ``ModelUnavailable`` or ``GroundingUnavailable``."""
    return _verdict(chain.call_structured(GroundednessReport, _messages(claims), scope), claims)


def _judged(
    results: Iterable[SubtaskResult], chain: ModelChain | None, config: Mapping[str, Any] | None, turn: int
) -> ModelGrounding | tuple[Claims, ModelChain, RunScope]:
    """A finished result when there is nothing for the model to judge, else what to ask it."""
    if chain is None:
        return ModelGrounding()
    claims = model_claims(results)
    if claims is None:
        return ModelGrounding()
    if len(claims.sentences) > MAX_SENTENCES or len(claims.passages) > MAX_PASSAGES:
        note = (
            f"groundedness judged lexically: {len(claims.sentences)} sentences and "
            f"{len(claims.passages)} passages exceed {MAX_SENTENCES} and {MAX_PASSAGES}"
        )
        fallback = Verdict(guard="model_fallback", score=1.0, reason=note, action="fallback")
        return ModelGrounding(notes=[fallback])
    return claims, chain, RunScope.from_config(config, turn=f"t{turn}")


def _grounding(scope: RunScope, verdict: Verdict | None, error: Exception | None) -> ModelGrounding:
    """The result of a judgement (``error``: why there is none, and the lexical check decides)."""
    notes = list(scope.verdicts)
    if error is not None:
        if isinstance(error, GroundingUnavailable):
            problem = f"unusable report: {error}"
        else:  # ModelUnavailable (provider, timeout, breaker, budget) or anything unforeseen
            first = str(error).splitlines()[0][:240] if str(error) else type(error).__name__
            problem = f"model unavailable: {first}"
        reason = f"groundedness judged lexically: {problem}"
        notes.append(Verdict(guard="model_fallback", score=1.0, reason=reason, action="fallback"))
    usage = Usage(**scope.usage) if scope.usage.get("model_calls") else Usage()
    return ModelGrounding(verdict=verdict, notes=notes, usage=usage)


def groundedness_steps(
    results: Iterable[SubtaskResult],
    chain: ModelChain | None,
    config: Mapping[str, Any] | None,
    *,
    turn: int,
) -> Steps[ModelGrounding]:
    """Judge the model-written parts of this turn's answer with ``chain`` (``None``: offline, no call),
    as steps: the model is called under ``invoke`` and awaited under ``ainvoke``."""
    asked = _judged(results, chain, config, turn)
    if isinstance(asked, ModelGrounding):
        return asked
    claims, judge, scope = asked
    try:  # the run's model deadline, shared with planner and specialists (SQLite: off the loop)
        yield blocking(lambda: judge.guards()[0].run_started(scope))
    except Exception as exc:  # the state store is unreachable: the lexical check decides
        return _grounding(scope, None, exc)
    messages = _messages(claims)
    try:
        report = yield Step(
            lambda: judge.call_structured(GroundednessReport, messages, scope),
            lambda: judge.acall_structured(GroundednessReport, messages, scope),
        )
        return _grounding(scope, _verdict(report, claims), None)
    except Exception as exc:
        return _grounding(scope, None, exc)


def model_groundedness(
    results: Iterable[SubtaskResult], chain: ModelChain | None, config: Mapping[str, Any] | None, *, turn: int
) -> ModelGrounding:
    """:func:`groundedness_steps` run in this thread."""
    return drive(groundedness_steps(results, chain, config, turn=turn))


async def amodel_groundedness(
    results: Iterable[SubtaskResult], chain: ModelChain | None, config: Mapping[str, Any] | None, *, turn: int
) -> ModelGrounding:
    """:func:`groundedness_steps` awaited."""
    return await adrive(groundedness_steps(results, chain, config, turn=turn))
