"""Phrasal verbs in a question, read as the one word help articles use for them ("run out" → "expire").

A phrasal verb's meaning is not its parts': "do my points run out" is about points expiring, but the
term matcher sees "run" (a word the articles use for something else) and drops "out" as a stop word,
so the question's topic word is lost and a question the articles answer falls under the confidence
gate. Word synonyms (:mod:`crewline.memory.knowledge.synonyms`) cannot help: they only stand in for
words the knowledge base never uses, and "run", "look", "work" it does use. The phrases below are
general English usage for customer-service topics (money, cards, accounts), each rewritten to the
plain verb that says the same; a phrase with another sense nearby is guarded ("run out of money" is
not expiring, "work out of the country" is not a calculation). A phrase the demo articles use
themselves is not listed: "shows up" was (a refund "usually shows up on your account within 3–10
business days"), and reading it as "appear" cost two right answers.

Every pattern is a fixed alternation of words with at most one optional word between verb and
particle: linear on any input.
"""

from __future__ import annotations

import re

__all__ = ["PHRASAL", "phrasal_written_out"]

# (pattern, replacement): whole words, any case; inflected forms listed, since no stemmer runs yet.
PHRASAL: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), plain)
    for pattern, plain in (
        (r"\b(?:run|runs|ran|running) out\b(?! of)", "expire"),
        (r"\b(?:cash|cashes|cashed|cashing) (?:them |it |my points |points )?in\b", "redeem"),
        (r"\b(?:hook|hooks|hooked|hooking) up\b", "link"),
        (r"\b(?:look|looks|looked|looking) into\b", "investigate"),
        (r"\b(?:sort|sorts|sorted|sorting) out\b", "resolve"),
        (r"\b(?:work|works|worked|working) out\b(?! of)", "calculate"),
        (r"\b(?:top|tops|topped|topping) up\b", "add to"),
        (r"\b(?:shut|shuts|shutting|switch|switches|switched|switching) off\b", "turn off"),
        (r"\b(?:switch|switches|switched|switching) on\b", "turn on"),
        (r"\b(?:send|sends|sent|sending) (it |them |this |that |something |stuff )?back\b", r"return \1"),
        (r"\b(?:take|takes|took|taking) (?:some |the )?(?:cash|money) out\b", "withdraw cash"),
        (r"\b(?:take|takes|took|taking) out (?:some |the )?(?:cash|money)\b", "withdraw cash"),
        (r"\b(?:sign|signs|signed|signing) up for (?:a |the |your )?(?:new )?card\b", "apply for a card"),
        (r"\b(?:turn|turns|turned|turning) (?:me |it )?down\b", "decline"),
        (r"\b(?:go|goes|went|going) up\b", "increase"),
        (r"\b(?:go|goes|went|going) down\b", "decrease"),
        # taking a fee back or off is waiving it ("can you take back a late fee", "can the fee be taken off")
        (
            r"\b(?:take|takes|took|taken|taking) (?:back|off) (the |a |my |this |that )?"
            r"((?:late )?(?:fee|charge)s?)\b",
            r"waive \1\2",
        ),
        (r"\b((?:fee|charge)s?) (be |been |get |got )?(?:taken|took) (?:back|off)\b", r"\1 \2waived"),
        # "typed it wrong too many times": the articles' failed attempts
        (r"\bwrong (?:too many|several|a few|multiple|many) times\b", "wrong in failed attempts"),
    )
)


def phrasal_written_out(text: str) -> str:
    """``text`` with the phrasal verbs of :data:`PHRASAL` replaced by their plain verbs."""
    for pattern, plain in PHRASAL:
        text = pattern.sub(plain, text)
    return text
