"""Customers' own words on the demo help centre (default, offline install): phrasal verbs read with
the articles' plain verbs beside them ("run out" → "run out expire"), family words read as the
articles' "authorized user" ("my daughter") and times typed "9pm" read as "9 p.m.", where each
question had looked like one about words the articles never use."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from crewline.memory.knowledge.embeddings import make_embedder
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.informal import plain
from crewline.memory.knowledge.phrasal import PHRASAL, rewritten
from crewline.tools.answering import answer_question
from crewline.tools.knowledge import DOCS_DIR


@pytest.fixture(scope="module")
def help_centre(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    path: Path = tmp_path_factory.mktemp("kb") / "help"
    return KnowledgeBase.build(DOCS_DIR, path, make_embedder("hashing"))


def test_phrasal_verbs_get_the_articles_plain_verb_beside_them(help_centre: KnowledgeBase) -> None:
    assert rewritten(help_centre, "do my points run out?") == "do my points run out expire?"
    assert rewritten(help_centre, "can I hook up my bank") == "can I hook up link my bank"
    assert rewritten(help_centre, "how is interest worked out") == "how is interest worked out calculate"
    # the asker's words stay: "shut" is what synonyms link to closing
    assert rewritten(help_centre, "can I shut off my card") == "can I shut off turn off my card"
    # running out *of* something is not expiring; working out of a place is no calculation
    assert rewritten(help_centre, "I ran out of money") == "I ran out of money"
    assert rewritten(help_centre, "I work out of Denver") == "I work out of Denver"
    assert "waive a late fee" in rewritten(help_centre, "can you take back a late fee?")


def test_everyday_phrasal_verbs_are_read_as_the_articles_words(help_centre: KnowledgeBase) -> None:
    assert rewritten(help_centre, "can you let me off the fee") == "can you let me off waive the fee"
    assert "let you know tell notice" in rewritten(help_centre, "do I have to let you know?")
    assert "put down deposit" in rewritten(help_centre, "how much do I put down for it?")
    assert "fell behind late" in rewritten(help_centre, "I fell behind on payments")
    assert "removed from balance" in rewritten(help_centre, "when do the charges come off my bill")
    # "not go through" is a decline, "goes through" a completion, "go through the app" neither
    assert rewritten(help_centre, "it did not go through").endswith("declined")
    assert "goes through complete" in rewritten(help_centre, "while the transfer goes through")
    assert rewritten(help_centre, "can I go through the app") == "can I go through the app"
    # "let me off the hook" is not a waiver
    assert rewritten(help_centre, "let me off the hook") == "let me off the hook"


def test_times_of_day_are_written_as_the_articles_print_them(help_centre: KnowledgeBase) -> None:
    assert rewritten(help_centre, "I paid at 9pm, or 9:30 PM").lower() == "i paid at 9 p.m., or 9:30 p.m."
    assert rewritten(help_centre, "open 8 a.m. to 8 p.m.") == "open 8 a.m. to 8 p.m."
    assert plain("i am here, spam filter") == "i am here, spam filter"


def test_contracted_auxiliaries_are_written_out() -> None:
    written = "you will bill me, we have paid, they would call"
    assert plain("you'll bill me, we’ve paid, they'd call") == written


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("do my points run out after a while?", "do not expire"),
        ("how old does my daughter need to be to get a card on my account?", "13 years old"),
        ("can I put a cap on how much my son spends on his card?", "monthly spending limit"),
        ("what happens if I type my password wrong too many times?", "30 minutes"),
        ("if I pay at 9pm on a weekday, when does it get credited?", "next business day"),
        ("what's the smallest interest charge you'll bill me?", "$1"),
        ("Can you take back a late fee?", "waive one late fee"),
        ("how quickly will I know if my application is approved?", "60 seconds"),
        ("can you let me off a late fee just this once?", "waive one late fee"),
        ("how long till the fake charges come off my account?", "within 2 business days"),
    ],
)
def test_everyday_wording_gets_its_answer(help_centre: KnowledgeBase, question: str, answer: str) -> None:
    result = answer_question(help_centre, question)
    assert result.get("answered", True), result["confidence"]
    assert answer in result["summary"]


def test_a_family_word_does_not_make_an_off_topic_question_answerable(help_centre: KnowledgeBase) -> None:
    result = answer_question(help_centre, "can my son open a savings account with you?")
    assert result.get("answered") is False


def test_phrasal_patterns_are_linear_on_hostile_input(help_centre: KnowledgeBase) -> None:
    hostile = ["run " * 5000, "send it " * 2500 + "x", "take some " * 2000, "cash them " * 2000, "9" * 20000]
    hostile += ["wrong too many " * 1500, "9:99 " * 4000 + "p"]
    hostile += ["take back the late " * 1000, "fees be " * 2000]
    hostile += ["not go " * 3000, "let you " * 3000, "get some cash " * 1500, "come off my " * 2000]
    for text in hostile:
        started = time.perf_counter()
        rewritten(help_centre, plain(text))
        assert time.perf_counter() - started < 0.5, (text[:20], len(PHRASAL))
