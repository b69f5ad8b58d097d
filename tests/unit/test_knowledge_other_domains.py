"""Knowledge bases other than the demo bank's: a climbing gym and a hosted API. A framework's users
bring their own documents, so the question rewrites (phrasal verbs, times of day, family words, price
checks) must not turn a question away from the words these documents use themselves."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from crewline.graphs.knowledge import build_knowledge_graph
from crewline.memory.knowledge.embeddings import make_embedder
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.vocabulary import ENGLISH
from crewline.tools.knowledge import kb_dir

GYM = {
    "membership.md": """# Membership

## Adding family

You can add your partner to your membership for $25 per month. Partners must live at the same address.

## Kids Club

Kids Club looks after children aged 2 to 8 while you train. It costs $6 per visit.
""",
    "app.md": """# The app

## Your workout plan

The app shows your workout plan for the week. Tap a workout plan to see its exercises.
""",
    "training.md": """# Training

## Working out alone

Most members work out on their own. Trainers can write a workout plan for you for $40.
Ask at the front desk to book a session with a trainer.

## Music

Staff can turn down the music in the bouldering area on request.
""",
    "hours.md": """# Opening hours

## Weekdays

The wall opens at 6am and closes at 10pm Monday to Friday.

## Holidays

On public holidays the wall closes at 6pm. The cafe closes an hour earlier.
""",
}

API = {
    "credits.md": """# Credits

## Buying credits

You can top up your credits in Billing. The smallest top-up is $10.

## When credits run out

When your credits run out, API calls return error 402 until you top up. Credits never expire.
""",
    "limits.md": """# Limits

## Requests

Each project has a monthly spending limit of $500. You can raise it in Billing.
""",
}


def _graph(tmp: Path, files: dict[str, str]) -> Any:
    docs = tmp / "docs"
    docs.mkdir()
    for name, text in files.items():
        (docs / name).write_text(text, encoding="utf-8")
    KnowledgeBase.build(docs, kb_dir(tmp, "k"), make_embedder("hashing")).close()
    return build_knowledge_graph(data=tmp, kb="k")


@pytest.fixture(scope="module")
def gym(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _graph(tmp_path_factory.mktemp("gym"), GYM)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _graph(tmp_path_factory.mktemp("api"), API)


def _ask(graph: Any, question: str) -> dict[str, Any]:
    result: dict[str, Any] = graph.invoke({"question": question})
    return result


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # the knowledge base's own phrase is not rewritten to "expire" (it matched "Credits never expire")
        ("What happens when my credits run out?", "error 402"),
        # nor its "top up" to "add to"
        ("How do I top up my credits?", "Billing"),
    ],
)
def test_the_api_docs_own_phrases_keep_their_answers(api: Any, question: str, answer: str) -> None:
    result = _ask(api, question)
    assert result["answered"], result.get("confidence")
    assert answer in result["answer"]


def test_a_limit_in_dollars_is_still_no_price_and_a_repeated_phrase_no_question(api: Any) -> None:
    result = _ask(api, "Is there a fee for raising the monthly spending limit?")
    assert "$500" not in result["answer"], result.get("confidence")
    assert not _ask(api, "run out " * 2600)["answered"]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # a family word names the gym's own plan, not its Kids Club
        ("How much does it cost to add my wife to my plan?", "$25"),
        # "6pm" as the gym writes it (a question rewritten to "6 p.m." found no such time)
        ("Is the wall open until 6pm on holidays?", "6pm"),
        # an amount without a price word, about the question's topic, is a price
        ("How much does a workout plan cost?", "$40"),
        # the gym's own "work out" / "turn down" stay theirs
        ("Can I work out without a trainer?", "work out"),
        ("Can staff turn down the music?", "turn down the music"),
    ],
)
def test_the_gym_docs_own_words_keep_their_answers(gym: Any, question: str, answer: str) -> None:
    result = _ask(gym, question)
    assert result["answered"], result.get("confidence")
    assert answer in result["answer"]


def test_rewrites_are_linear_on_hostile_input(api: Any) -> None:
    started = time.perf_counter()
    _ask(api, "run out " * 2600)
    _ask(api, "9:99 " * 4000 + "pm")
    assert time.perf_counter() - started < 5.0


def _gym_graph(tmp: Path, vocabulary: Any) -> Any:
    if not (tmp / "docs").exists():
        return _graph(tmp, GYM)  # builds the knowledge base once; the default vocabulary
    return build_knowledge_graph(data=tmp, kb="k", vocabulary=vocabulary)


def test_the_vocabulary_is_a_setting_of_the_graph(tmp_path: Path) -> None:
    english = _gym_graph(tmp_path, ENGLISH)
    own = _gym_graph(tmp_path, replace(ENGLISH, groups=(*ENGLISH.groups, "crag wall")))
    none = _gym_graph(tmp_path, None)
    # a user's own group makes their word count
    assert not _ask(english, "When does the crag open on weekdays?")["answered"]
    assert "6am" in _ask(own, "When does the crag open on weekdays?")["answer"]
    # none: "shut" no longer stands for the gym's "closes"
    shut = "What time does the wall shut on holidays?"
    assert _ask(none, shut)["confidence"] < _ask(english, shut)["confidence"]
    price = "whats the price of a workout plan"  # "whats" is shorthand only in the English list
    assert _ask(none, price)["confidence"] < _ask(english, price)["confidence"]
