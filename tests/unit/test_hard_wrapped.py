"""Hard-wrapped sources give whole-sentence answers (issue 16: answers were cut at line breaks).

Four hand-written Markdown files, every paragraph wrapped at ~72 columns the way editors do it, used
to answer "How long does a refund take?" with ``Refunds are issued to the original payment [1]`` and
"What does the warranty not cover?" with ``The warranty does not cover [1]``, both marked answered.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crewline.memory.knowledge.chunking import Chunk, split_sentences
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document, html_to_text, load_paths
from crewline.memory.knowledge.unwrap import unwrap
from crewline.tools.answering import answer_question, whole_sentence

REFUNDS = """# Refunds

## How long refunds take

Refunds are issued to the original payment
method within 5 to 10 business days after we receive the returned item.
If you paid by gift card, the refund goes back to the gift card.

## Items that cannot be refunded

Gift cards, downloadable software and personalised items cannot be
refunded once they have been delivered.
"""

WARRANTY = """# Warranty

Every appliance comes with a two-year limited warranty that covers
defects in materials and workmanship under normal household use.

## What is not covered

The warranty does not cover
damage caused by accidents, misuse, unauthorised repairs or commercial
use, and it does not cover normal wear of parts such as filters and
seals.

## Making a claim

To make a claim, contact support with your order number and a photo of
the fault. We repair or replace the appliance within 15 business days.
"""

SHIPPING = """# Shipping

Standard shipping takes 3 to 5 business days within the country and is
free on orders over $50. Express shipping arrives the next business day
and costs $15.

- Orders placed before 2 p.m. ship the same day, and orders placed
  later ship the next morning.
- We do not ship to PO boxes.
"""

ACCOUNTS = """# Your account

To reset your password, open the sign-in page, choose Forgot password
and follow the link we email you. The link expires after 30 minutes.

To close your account, write to support from the email address on the
account. We delete your data within 30 days of closing it.
"""

_MARKER = re.compile(r"\s*\[\d+\]\s*")


def _sentences(answer: str) -> list[str]:
    return [part.strip() for part in _MARKER.split(answer) if part.strip()]


def _assert_whole(answer: str) -> None:
    for sentence in _sentences(answer):
        assert sentence[0].isupper() and sentence.endswith((".", "!", "?")), f"fragment: {sentence!r}"


@pytest.fixture
def wrapped_kb(tmp_path: Path) -> KnowledgeBase:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in [("refunds", REFUNDS), ("warranty", WARRANTY), ("shipping", SHIPPING),
                       ("accounts", ACCOUNTS)]:  # fmt: skip
        (docs / f"{name}.md").write_text(text, encoding="utf-8")
    kb = KnowledgeBase.empty(tmp_path / "kb")
    kb.upsert(load_paths([docs]).documents)
    return kb


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("How long does a refund take?", "within 5 to 10 business days after we receive the returned item."),
        ("What does the warranty not cover?", "damage caused by accidents, misuse, unauthorised repairs"),
        ("How much is express shipping?", "Express shipping arrives the next business day and costs $15."),
        ("How do I reset my password?", "choose Forgot password and follow the link we email you."),
    ],
)
def test_hard_wrapped_markdown_answers_whole_sentences(
    wrapped_kb: KnowledgeBase, question: str, fact: str
) -> None:
    result = answer_question(wrapped_kb, question)
    assert result.get("answered", True) is True, result
    assert fact in result["summary"]
    _assert_whole(result["summary"])


def test_wrapped_documents_given_directly_are_split_into_whole_sentences(tmp_path: Path) -> None:
    # a Document built in Python skips the loaders: sentence splitting reads the wrap itself
    kb = KnowledgeBase.empty(tmp_path / "kb")
    kb.upsert([Document("warranty", WARRANTY), Document("refunds", REFUNDS)])
    result = answer_question(kb, "What does the warranty not cover?")
    assert "The warranty does not cover damage caused by accidents" in result["summary"]
    _assert_whole(result["summary"])


def test_unwrap_joins_paragraphs_and_keeps_every_other_block() -> None:
    text = (
        "# Contact us\n\nCall us any day of the week between eight in the morning and\n"
        "ten at night, or write to us.\n\n"
        "Phone: 1-800-555-0100\nEmail: help@example.com\n\n"
        "Kestrel Financial\nPO Box 4400\n\n"
        "| Fee | Amount |\n|---|---|\n| Late payment | $40 |\n\n"
        "```\nkestrel login\n--user me\n```\n\n"
        "- a list item that is long enough that its author wrapped it over\n  two lines\n- second item\n\n"
        "Ends with a hard break  \nnext line.\n"
    )
    assert unwrap(text) == (
        "# Contact us\n\nCall us any day of the week between eight in the morning and "
        "ten at night, or write to us.\n\n"
        "Phone: 1-800-555-0100\nEmail: help@example.com\n\n"
        "Kestrel Financial\nPO Box 4400\n\n"
        "| Fee | Amount |\n|---|---|\n| Late payment | $40 |\n\n"
        "```\nkestrel login\n--user me\n```\n\n"
        "- a list item that is long enough that its author wrapped it over two lines\n- second item\n\n"
        "Ends with a hard break  \nnext line.\n"
    )
    assert len([line for line in unwrap(ACCOUNTS).splitlines() if line]) == 3  # heading, two paragraphs


def test_unwrap_reads_full_lines_that_break_before_a_capital_word() -> None:
    text = (
        "You can withdraw cash with your Kestrel card at any ATM that displays the\n"
        "Visa or Plus logo. You need a PIN, which you can set in the app under\n"
        "Cards and PIN.\n"
    )
    assert unwrap(text).count("\n") == 1 and "displays the Visa or Plus" in unwrap(text)
    assert unwrap("A card-\nholder can call.\n") == "A card-holder can call.\n"


def test_plain_text_and_html_are_unwrapped_by_the_loaders(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text(WARRANTY.replace("#", ""), encoding="utf-8")
    (tmp_path / "page.html").write_text(
        "<html><title>Refunds</title><body><p>Refunds are issued to the original payment<br>\n"
        "method within 5 to 10 business days.</p><p>Second paragraph.</p></body></html>",
        encoding="utf-8",
    )
    docs = {d.doc_id: d.text for d in load_paths([tmp_path]).documents}
    assert "The warranty does not cover damage caused by accidents" in docs["notes"]
    assert "original payment method within 5 to 10 business days." in docs["page"]
    assert "\n\nSecond paragraph." in docs["page"]
    assert html_to_text("<p>Kestrel Financial<br>PO Box 4400</p>")[1] == "Kestrel Financial\nPO Box 4400"


def test_split_sentences_keeps_list_items_and_joins_wrapped_sentences() -> None:
    text = "The warranty does not cover\ndamage caused by accidents.\n- Filters\n- Seals are not covered."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "The warranty does not cover\ndamage caused by accidents.",
        "Filters",
        "Seals are not covered.",
    ]


def test_the_composer_never_answers_with_a_fragment() -> None:
    # a chunk that starts mid-sentence (cut from a longer paragraph) and a wrapped line
    text = "refunded once they have been delivered. Gift cards cannot be refunded."
    assert not whole_sentence(text, 0, text.index(".") + 1)
    assert whole_sentence(text, text.index("Gift"), len(text))
    wrapped = "Refunds are issued to the original payment\nMethod X applies."
    assert not whole_sentence(wrapped, 0, wrapped.index("\n") - 3)  # ends mid-line, no full stop
    item = "- cash from a bank teller\n- wire transfers"
    assert whole_sentence(item, 2, item.index("\n")) and whole_sentence("iPhone users can pay.", 0, 21)
    chunk = Chunk(0, "refunds", "Refunds", "", text, 0, len(text))
    assert chunk.text.startswith("refunded")


def test_a_knowledge_base_whose_chunks_start_mid_sentence_answers_from_whole_ones(tmp_path: Path) -> None:
    # the best-matching sentence is the tail of a cut one: it is never the answer, a whole one is
    kb = KnowledgeBase.empty(tmp_path / "kb")
    text = ("# Refunds\n\nrefunded within 5 business days once we receive the returned item. "
            "Refunds go back to the card you paid with within 5 business days.\n")  # fmt: skip
    kb.upsert([Document("refunds", text)])
    result = answer_question(kb, "Am I refunded within 5 business days once you receive the returned item?")
    assert result.get("answered", True) and not result["summary"].startswith("refunded"), result["summary"]
    _assert_whole(result["summary"])
