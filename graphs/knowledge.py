"""The knowledge graph: retrieve → answer → verify groundedness → confidence gate → cited answer or abstain.

``retrieve`` searches the knowledge base (hybrid dense + BM25), drops the passages the passage guard
flags (an instruction or a phishing request in an article is evidence of nothing; a ``passage_guard``
verdict names each, and lower-ranked passages take their places) and drafts the extractive answer with
its calibrated confidence (:mod:`crewline.tools.answering`). ``answer`` keeps that draft offline; with a
chat model it asks the model for an answer from the numbered passages, each sentence cited ``[n]`` (or
``NO_ANSWER``), but only when the draft's confidence clears the gate: a question the knowledge base
cannot answer costs no model call. The call goes through the crew's model chain like every other
(budgets, breakers, retries, fallback models; in a crew with registered model versions, the thread's
version, counted for it and named in the verdicts). ``verify`` checks every sentence against the passages
(:mod:`crewline.tools.grounding`: the cited one first, any one when the model gave no number or a
wrong one; the answer then cites the passage that supports each sentence); an unsupported model
answer goes back to the model once with the problems listed (``revise``), and if it is still
unsupported the graph abstains. ``gate`` passes a
grounded answer whose confidence clears :data:`crewline.tools.answering.CONFIDENCE_THRESHOLD`;
everything else ends in ``abstain``: no answer, no sources, ``answered: False`` and an escalation record
for a human.

:data:`graph` (for ``langgraph.json``) takes ``{"question"}`` (or ``{"messages"}``), optional ``kb``
(default ``support``, the demo articles) and ``filters``, and is compiled without a checkpointer.
:func:`build_knowledge_specialist` is the same graph as a crew specialist (``graph:`` in a crew spec).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from langchain_core.messages import AnyMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from typing_extensions import TypedDict  # not typing's: pydantic (Studio's schemas) rejects it before 3.12

from crewline.graphs.state import (
    SpecialistInput,
    SpecialistOutput,
    append_verdicts,
    merge_results,
    merge_usage,
)
from crewline.memory.knowledge.index import Hit
from crewline.memory.knowledge.vocabulary import ENGLISH, NO_VOCABULARY, Vocabulary, using_vocabulary
from crewline.memory.paths import data_dir
from crewline.nodes.guards import GuardSettings, check_input, sanitize
from crewline.nodes.guards.passages import passage_screen
from crewline.nodes.guards.vault import PLACEHOLDER
from crewline.nodes.models.budget import RunScope
from crewline.nodes.models.factory import ModelChain, ModelSettings, make_model_chain
from crewline.nodes.planning.courtesy import without_courtesies
from crewline.nodes.specialist import SpecialistRuntime
from crewline.nodes.sync_async import Steps, adrive, drive
from crewline.nodes.tool_screen import withheld_verdicts
from crewline.nodes.types import Handoff, Source, SubtaskResult, Usage, Verdict
from crewline.tools.answering import (
    CONFIDENCE_THRESHOLD,
    MAX_QUERY_CHARS,
    NO_ANSWER,
    TOP_K,
    compose,
    draft_answer,
    screened_search,
)
from crewline.tools.grounding import Passage, check_answer
from crewline.tools.knowledge import DEMO_KB, open_named
from crewline.tools.registry import ToolContext

__all__ = [
    "KnowledgeInput",
    "KnowledgeOutput",
    "build_knowledge_graph",
    "build_knowledge_specialist",
    "graph",
]

MAX_REVISIONS = 1
_NO_ANSWER_TOKEN = "NO_ANSWER"
SYSTEM_PROMPT = (
    "You answer questions only from the numbered passages you are given. Write one to three short "
    "sentences and end every sentence with the number of the passage that supports it, like [1]. "
    "Do not add anything the passages do not say. If the passages do not answer the question, reply "
    f"exactly {_NO_ANSWER_TOKEN}."
)


class KnowledgeInput(TypedDict, total=False):
    question: str
    messages: Annotated[list[AnyMessage], add_messages]
    kb: str
    filters: dict[str, str]


class KnowledgeOutput(TypedDict, total=False):
    answer: str
    answered: bool
    confidence: float
    sources: list[Source]
    path: Literal["offline", "model"]
    grounding: list[dict[str, Any]]
    escalation: dict[str, Any] | None
    verdicts: Annotated[list[Verdict], append_verdicts]
    usage: Annotated[Usage, merge_usage]


class KnowledgeState(KnowledgeInput, KnowledgeOutput, total=False):
    handoff: Handoff
    results: Annotated[dict[str, SubtaskResult], merge_results]
    query_truncated: bool
    hits: list[dict[str, Any]]
    draft: dict[str, Any]  # the extractive tool result (summary, sources, confidence)
    model_answer: str | None
    revisions: int
    turn_key: str


def _question(state: KnowledgeState) -> str:
    if state.get("handoff"):
        return state["handoff"]["task"]
    if state.get("question"):
        return str(state["question"])
    humans = [m for m in state.get("messages") or [] if isinstance(m, HumanMessage)]
    return humans[-1].text if humans else ""


def _hits(state: KnowledgeState) -> list[Hit]:
    return [Hit(**hit) for hit in state.get("hits") or []]


def _passages(hits: list[Hit]) -> list[Passage]:
    return [Passage(f"{h.title} — {h.section}" if h.section else h.title, h.text) for h in hits]


def _sources(hits: list[Hit], cited: list[int]) -> list[Source]:
    return [
        Source(
            id=f"kb:{hits[n - 1].doc_id}#{hits[n - 1].chunk_id}",
            title=_passages(hits)[n - 1].title,
            snippet=hits[n - 1].text,
        )
        for n in cited
        if 1 <= n <= len(hits)
    ]


def _cite(sentence: str, number: int | None) -> str:
    """``sentence`` with ``[number]`` before its closing punctuation ("fee [1].")."""
    if number is None:
        return sentence
    body = re.match(r"(.*?)([.!?]*[\"')\]”’]*)$", sentence, re.S)
    assert body is not None  # the pattern matches every string
    return f"{body.group(1).rstrip()} [{number}]{body.group(2)}"


def _scope(state: KnowledgeState, config: RunnableConfig, specialist: str | None) -> RunScope:
    """Whom the answer call is charged to: the crew's turn (``t1`` of subtask ``t1.2``: the same run,
    budget and deadline as the planner's and the other specialists' calls) under the specialist's name,
    so the model registry picks ``crew/specialist``'s version, else the crew's, for the thread."""
    handoff = state.get("handoff")
    turn = handoff["subtask_id"].split(".")[0] if handoff else state.get("turn_key") or "k"
    subtask = handoff["subtask_id"] if handoff else None
    return RunScope.from_config(config, turn=turn, specialist=specialist, subtask_id=subtask)


def _add_core(
    graph: Any,
    model: ModelChain | None,
    data: Path | None,
    default_kb: str,
    guards: GuardSettings,
    specialist: str | None = None,
    vocabulary: Vocabulary = ENGLISH,
) -> None:
    """The knowledge nodes, from ``retrieve`` to ``respond`` / ``abstain``, on ``graph``.
    ``specialist``: the name the answer call is made under in a crew (``None``: the standalone graph)."""
    screen = passage_screen(guards)

    def retrieve(state: KnowledgeState) -> dict[str, Any]:
        question = _question(state)
        kb = open_named(data or data_dir(), state.get("kb") or default_kb)
        # a guard's placeholder ("my card [CREDIT_CARD_9ff5c14e]") is no search term: its hash would
        # count as a query word no passage holds and pull the answer confidence under the gate; nor
        # is a "Thanks!" after the question
        searched = without_courtesies(PLACEHOLDER.sub(" ", question))
        query = searched[:MAX_QUERY_CHARS]
        with using_vocabulary(vocabulary):
            hits, withheld = (
                screened_search(kb, query, TOP_K, screen, state.get("filters")) if query.strip() else ([], [])
            )
            draft = draft_answer(kb, searched, hits=hits)
        result = compose(draft) if draft.chosen else {"summary": "", "sources": [], "data": draft.data()}
        subtask = state["handoff"]["subtask_id"] if state.get("handoff") else None  # standalone: none
        verdicts = withheld_verdicts(withheld, subtask, guards)
        return {
            "verdicts": verdicts,
            "question": question,
            "query_truncated": len(question) > MAX_QUERY_CHARS,
            "hits": [hit.to_dict() for hit in hits],
            "draft": {**result, "confidence": draft.confidence},
            "confidence": draft.confidence,
            "model_answer": None,
            "revisions": 0,
            # the standalone graph's run key for its model calls (a crew's comes from the handoff)
            "turn_key": f"k{uuid.uuid4().hex[:12]}",
        }

    def prompt(state: KnowledgeState) -> list[AnyMessage] | None:
        """The model's messages, or ``None`` when the extractive draft stands without asking it."""
        if model is None or state["confidence"] < CONFIDENCE_THRESHOLD or not state["hits"]:
            return None
        hits = _hits(state)
        context = "\n\n".join(f"[{i}] {p.title}\n{p.text}" for i, p in enumerate(_passages(hits), start=1))
        messages: list[AnyMessage] = [
            SystemMessage(SYSTEM_PROMPT),
            HumanMessage(f"Passages:\n{context}\n\nQuestion: {state['question'][:MAX_QUERY_CHARS]}"),
        ]
        problems = [g for g in state.get("grounding") or [] if not g["supported"]]
        if state.get("model_answer") and problems:
            listed = "\n".join(f"- {g['sentence']!r}: {g['reason']}" for g in problems)
            feedback = (
                f"Your previous answer was:\n{state['model_answer']}\n"
                f"These sentences are not supported by the passage they cite:\n{listed}\n"
                f"Rewrite the answer using only what the passages say, citing each sentence, "
                f"or reply {_NO_ANSWER_TOKEN}."
            )
            messages.append(HumanMessage(feedback))
        return messages

    def answered(
        state: KnowledgeState, scope: RunScope, reply: Any, error: Exception | None
    ) -> dict[str, Any]:
        """The node's update: the model's answer, or the extractive draft when no model answered;
        with the chain's verdicts (its version, retries, fallbacks) and every attempt's usage."""
        usage = Usage(**scope.usage) if scope.usage.get("model_calls") else Usage()
        if error is not None:  # every model failed: the extractive answer stands
            reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
            verdict = Verdict(guard="model_fallback", score=1.0, reason=f"model unavailable: {reason}",
                              action="fallback")  # fmt: skip
            if handoff := state.get("handoff"):
                verdict["subtask_id"] = handoff["subtask_id"]
            return {"answer": state["draft"]["summary"], "path": "offline", "usage": usage,
                    "verdicts": [*scope.verdicts, verdict]}  # fmt: skip
        text = reply.text.strip()
        return {"answer": text, "model_answer": text, "path": "model", "usage": usage,
                "verdicts": scope.verdicts,
                "revisions": state.get("revisions", 0) + (1 if state.get("model_answer") else 0)}  # fmt: skip

    def asked(state: KnowledgeState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        """The answer, as steps: through the crew's model chain (the thread's registered version,
        counted for it; budgets, breakers, retries, fallbacks), awaited under ``ainvoke``."""
        if model is None or (messages := prompt(state)) is None:
            return {"answer": state["draft"]["summary"], "path": "offline"}
        scope = _scope(state, config, specialist)
        try:
            reply = yield from model.tool_steps((), messages, scope)
        except Exception as exc:  # ModelUnavailable, or anything unforeseen: the draft answers
            return answered(state, scope, None, exc)
        return answered(state, scope, reply, None)

    def answer(state: KnowledgeState, config: RunnableConfig) -> dict[str, Any]:
        return drive(asked(state, config))

    async def aanswer(state: KnowledgeState, config: RunnableConfig) -> dict[str, Any]:
        return await adrive(asked(state, config))

    def verify(state: KnowledgeState) -> dict[str, Any]:
        text = state.get("answer") or ""
        if not text or text == _NO_ANSWER_TOKEN:
            return {"grounding": []}
        if state.get("path") == "model":  # the model cites the passages it was given, in hit order
            passages = _passages(_hits(state))
        else:  # the extractive answer cites its own sources list
            passages = [Passage(s.get("title", ""), s.get("snippet", "")) for s in state["draft"]["sources"]]
        checks = check_answer(text, passages)
        return {"grounding": [c.__dict__ | {"cited": list(c.cited)} for c in checks]}

    def after_verify(state: KnowledgeState) -> Literal["answer", "gate"]:
        unsupported = any(not g["supported"] for g in state.get("grounding") or [])
        retry = state.get("path") == "model" and unsupported and state.get("revisions", 0) < MAX_REVISIONS
        return "answer" if retry else "gate"

    def gate(state: KnowledgeState) -> dict[str, Any]:
        return {}

    def after_gate(state: KnowledgeState) -> Literal["respond", "abstain"]:
        checks = state.get("grounding") or []
        grounded = bool(checks) and all(g["supported"] for g in checks)
        confident = state["confidence"] >= CONFIDENCE_THRESHOLD
        return "respond" if grounded and confident and state.get("answer") != _NO_ANSWER_TOKEN else "abstain"

    def respond(state: KnowledgeState) -> dict[str, Any]:
        hits = _hits(state)
        if state.get("path") == "model":  # each sentence cites the passage that supports it, renumbered
            checks = state["grounding"]
            cited = sorted({g["source"] for g in checks if g.get("source")})
            renumber = {old: new for new, old in enumerate(cited, start=1)}
            text = " ".join(_cite(g["sentence"], renumber.get(g.get("source") or 0)) for g in checks)
            return {"answer": text, "sources": _sources(hits, cited), "answered": True, "escalation": None}
        return {"answer": state["answer"], "sources": state["draft"]["sources"], "answered": True,
                "escalation": None}  # fmt: skip

    def abstain(state: KnowledgeState) -> dict[str, Any]:
        checks = state.get("grounding") or []
        if state["confidence"] < CONFIDENCE_THRESHOLD:
            reason = f"answer confidence {state['confidence']:.2f} is below {CONFIDENCE_THRESHOLD}"
        elif state.get("answer") == _NO_ANSWER_TOKEN:
            reason = "the model found no answer in the passages"
        else:
            bad = next((g for g in checks if not g["supported"]), None)
            reason = f"unsupported sentence: {bad['reason']}" if bad else "no answer"
        verdict = Verdict(guard="groundedness", score=state["confidence"], reason=reason, action="escalate")
        escalation = {"kind": "low_confidence", "reason": f"the knowledge base has no answer ({reason})"}
        return {"answer": NO_ANSWER, "sources": [], "answered": False, "escalation": escalation,
                "verdicts": [verdict]}  # fmt: skip

    graph.add_node("retrieve", retrieve)
    graph.add_node("answer", RunnableLambda(answer, afunc=aanswer, name="answer"))
    graph.add_node("verify", verify)
    graph.add_node("gate", gate)
    graph.add_node("respond", respond)
    graph.add_node("abstain", abstain)
    graph.add_edge("retrieve", "answer")
    graph.add_edge("answer", "verify")
    graph.add_conditional_edges("verify", after_verify)
    graph.add_conditional_edges("gate", after_gate)


def build_knowledge_graph(
    *,
    model: ModelChain | None = None,
    data: Path | None = None,
    kb: str = DEMO_KB,
    guards: GuardSettings | None = None,
    vocabulary: Vocabulary | None = ENGLISH,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The standalone knowledge graph (no checkpointer: a caller or the server brings one).
    ``guards``: the passage guard's detector and policy (default settings when not given).
    ``vocabulary``: how questions' everyday English is read against the knowledge base's words
    (:class:`crewline.memory.knowledge.vocabulary.Vocabulary`: shorthand, phrasal verbs, times,
    synonyms); the shipped English lists by default, ``None`` for none (words as typed)."""
    graph = StateGraph(KnowledgeState, input_schema=KnowledgeInput, output_schema=KnowledgeOutput)
    words = NO_VOCABULARY if vocabulary is None else vocabulary
    _add_core(graph, model, data, kb, guards or GuardSettings(), vocabulary=words)
    graph.add_edge(START, "retrieve")
    graph.add_edge("respond", END)
    graph.add_edge("abstain", END)
    return graph.compile(name="knowledge")


def build_knowledge_specialist(
    *, runtime: SpecialistRuntime, guards: GuardSettings, tool_context: ToolContext, kb: str = DEMO_KB
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The knowledge graph as a crew specialist: ``SpecialistInput`` in, ``SpecialistOutput`` out.
    ``kb``: the knowledge base it answers from (``functools.partial`` it for a crew of your own)."""

    def entry_guard(state: KnowledgeState) -> dict[str, Any]:
        handoff = state["handoff"]
        task = sanitize(handoff["task"], strip_markup=guards.strip_markup)
        verdict = check_input(task, guards, guard="entry_guard")
        verdict["subtask_id"] = handoff["subtask_id"]
        return {"verdicts": [verdict]}

    def after_guard(state: KnowledgeState) -> Literal["retrieve", "report"]:
        return "retrieve" if state["verdicts"][-1]["action"] == "pass" else "report"

    def report(state: KnowledgeState) -> dict[str, Any]:
        handoff = state["handoff"]
        answered = bool(state.get("answered"))
        guard = state["verdicts"][-1]
        declined = "answered" not in state
        answer = (f"The {runtime.name} specialist declined this request ({guard['reason']})." if declined
                  else state.get("answer") or NO_ANSWER)  # fmt: skip
        result = SubtaskResult(
            subtask_id=handoff["subtask_id"], specialist=runtime.name,
            status="done" if answered else "failed", answer=answer,
            confidence=round(float(state.get("confidence", 0.0)), 4) if answered else 0.0,
            sources=list(state.get("sources") or []), path=state.get("path", "offline"),
            tool="knowledge_graph", pending_action=None,
        )  # fmt: skip
        return {"results": {handoff["subtask_id"]: result}}

    graph = StateGraph(KnowledgeState, input_schema=SpecialistInput, output_schema=SpecialistOutput)
    graph.add_node("entry_guard", entry_guard)
    graph.add_node("report", report)
    _add_core(graph, runtime.model, Path(tool_context.data_dir), kb, guards, runtime.name)
    graph.add_edge(START, "entry_guard")
    graph.add_conditional_edges("entry_guard", after_guard)
    graph.add_edge("respond", "report")
    graph.add_edge("abstain", "report")
    graph.add_edge("report", END)
    return graph.compile(name=runtime.name)


graph = build_knowledge_graph(model=make_model_chain(ModelSettings()))
