"""Phrasal verbs and times of day in a question, read as the knowledge base's own words ("run out" →
"expire", "6pm" → "6 p.m."), and only where the knowledge base needs it.

A phrasal verb's meaning is not its parts': "do my points run out" is about points expiring, but the
term matcher sees "run" (a word the articles may use for something else) and drops "out" as a stop
word, so the question's topic word is lost and a question the articles answer falls under the
confidence gate. The phrases below are general English usage for customer-service topics, each with
the plain verb that says the same; a phrase with another sense nearby is guarded ("run out of money"
is not expiring, "work out of the country" is not a calculation).

A rewrite follows the rule synonyms follow (:func:`crewline.memory.knowledge.synonyms.alternatives`):
it applies only when the knowledge base never uses the phrase and does use the plain word. A help
centre writing "When your credits run out, API calls return error 402" keeps the asker's "run out"
(rewritten, the question matched "Credits never expire" instead); a gym writing "work out" keeps it.
The plain word is added beside the asker's words, never in their place: "shut off" keeps "shut",
which synonyms link to closing. Times are written the way the knowledge base prints them: "6pm"
becomes "6 p.m." only in a knowledge base that writes "p.m." and never "6pm", and the other way.

The rewrites are a setting (:class:`crewline.memory.knowledge.vocabulary.Vocabulary`); these are the
shipped English defaults. Every pattern is a fixed alternation of words with at most one optional
word between verb and particle, or "how much" at most 60 characters before it; a rule may also need or
exclude a context word anywhere in the question ("closed … undo"): linear on any input.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from crewline.memory.knowledge.embeddings import content_terms

if TYPE_CHECKING:
    from crewline.memory.knowledge.index import KnowledgeBase

__all__ = ["PHRASAL", "TIMES", "Rewrite", "rewritten"]


@dataclass(frozen=True)
class Rewrite:
    """``pattern`` (whole words, any case) read as ``plain`` (a ``re.sub`` template). ``target``: what
    the knowledge base must hold for the rewrite to help (default: every word of ``plain``).
    ``keep``: the asker's words stay beside ``plain`` (a time is replaced: one spelling suffices).
    ``unless``: a question this matches keeps its words (the phrase in another sense); ``when``: the
    rule applies only to a question this matches (the context that gives the phrase its sense)."""

    pattern: re.Pattern[str]
    plain: str
    target: re.Pattern[str] | None = None
    keep: bool = True
    unless: re.Pattern[str] | None = None
    when: re.Pattern[str] | None = None


def _rules(pairs: Sequence[tuple[str, str]]) -> tuple[Rewrite, ...]:
    return tuple(Rewrite(re.compile(p, re.IGNORECASE), plain) for p, plain in pairs)


# inflected forms listed, since no stemmer runs on a phrase
PHRASAL: tuple[Rewrite, ...] = (
    *_rules(
        (
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
            # taking a fee back or off is waiving it ("can you take back a late fee", "the fee taken off")
            (
                r"\b(?:take|takes|took|taken|taking) (?:back|off) (the |a |my |this |that )?"
                r"((?:late )?(?:fee|charge)s?)\b",
                r"waive \1\2",
            ),
            (r"\b((?:fee|charge)s?) (be |been |get |got )?(?:taken|took) (?:back|off)\b", r"\1 \2waived"),
            # "typed it wrong too many times": the articles' failed attempts
            (r"\bwrong (?:too many|several|a few|multiple|many) times\b", "wrong in failed attempts"),
            # letting someone know is telling them, giving notice ("do I have to let you know before I go")
            (r"\blet (?:you|you guys|the bank|them|someone|anyone) know\b", "tell notice"),
            # letting someone off a fee is waiving it ("can you let me off the late fee"); not a bus driver
            # letting a rider off between stops
            (
                r"\blet (?:me|us|him|her|them) off\b(?= (?:the |a |my |this |that |our |any |these |those )?"
                r"(?:late )?(?:fee|fees|charge|charges|fine|fines|penalty|penalties)\b)",
                "waive",
            ),
            # falling or getting behind on payments is paying late
            (r"\b(?:fall|falls|fell|fallen|falling|get|gets|got|getting) behind\b", "late"),
            # charges coming or taken off a bill are removed from it ("when do the fake charges come off")
            (
                r"\b(?:come|comes|came|coming|taken|take|took|taking|get|gets|got|getting) off "
                r"(?:my|the|your|our) (?:bill|balance|account|statement|card)\b",
                "removed from balance",
            ),
            (
                r"\b(?:pull|pulls|pulled|pulling|get|gets|got|getting) (?:some |the )?(?:cash|money) out\b",
                "withdraw cash",
            ),
            (r"\b(?:pull|pulls|pulled|pulling) out (?:some |the )?(?:cash|money)\b", "withdraw cash"),
            # a payment or purchase that did not go through was declined; a payment that goes through
            # completes (a person going through security or customs completes nothing)
            (
                r"(?:\bnot|n't) (?:go|going|gone) through\b",
                "declined",
            ),
            (
                r"\b(?:payment|payments|transfer|transfers|transaction|transactions|refund|refunds|deposit|deposits)"
                r" (?:has |have |had |will |should |did |to )?(?:go|goes|went|going|gone) through\b"
                r"(?=\s*(?:[?.!,;]|$|(?:yet|and|but|or|when|if|until|before|after|today|now|instantly)\b))",
                "complete",
            ),
            # a price knocked down is lowered; a person knocked down by a car is not
            (
                r"\b(?:knock|knocks|knocked|knocking) (?:down|off)\b(?= (?:the |a |my |your |our |some )?"
                r"(?:price|prices|fee|fees|cost|costs|rate|rates|premium|premiums|bill|\$))",
                "lower",
            ),
            (r"\b(?:knock|knocks|knocked|knocking) \$?\d{1,6}(?:\.\d\d)? off\b", "lower"),
            # a maxed-out card is at its credit limit; maxed-out storage is not
            (
                r"\b(?:(?:max|maxes|maxed|maxing) (?:out (?:my |the |our |your |a )?(?:credit )?card|"
                r"(?:my |the |our |your )?(?:credit )?card out)"
                r"|cards? (?:is |are |was |got |gets |has been )?maxed out)\b",
                "credit limit",
            ),
        )
    ),
    # money put down up front is a deposit ("how much do I put down for a secured card", "put down $50"),
    # not a pet put down ("to have my dog put down", "be put down") nor a line of a form ("put down as")
    Rewrite(
        re.compile(
            r"\bhow much\b[^.?!]{0,60}?\b(?:put|puts|putting) down\b(?=\s*(?:for\b|\?|$))"
            r"|\b(?:put|puts|putting) down\b(?= (?:a |the |an )?(?:deposit|money|cash|\$))",
            re.IGNORECASE,
        ),
        "deposit",
        unless=re.compile(
            r"\b(?:be|been|being|is|are|was|were|get|gets|got|getting|have|has|had|having)"
            r" (?:(?!to\b)\w{1,20} ){0,2}(?:put|puts|putting) down\b",
            re.IGNORECASE,
        ),
    ),
    # undoing a closure is reopening ("I closed our workspace by accident, can I undo that?"); "undo
    # removing a seat" or "undo deleting a file" reopens nothing. The asker's "undo" names nothing in the
    # articles: replaced.
    Rewrite(
        re.compile(r"\b(?:undo|undid|undoing)\b", re.IGNORECASE),
        "reopen",
        keep=False,
        when=re.compile(
            r"\b(?:close|closed|closing|closure|cancel|cancelled|canceled|cancelling|canceling|cancellation|"
            r"shut)\b",
            re.IGNORECASE,
        ),
    ),
)

# A time of day: "9pm"/"9 PM" (one token, or "pm" alone) and "9 p.m." (the digits and "p", "m") share
# no term, so the question's spelling must be the knowledge base's. One optional group per part: linear.
_COMPACT = r"\b(\d{1,2}(?::\d\d)?) ?([ap])m\b"
_DOTTED = r"\b(\d{1,2}(?::\d\d)?) ?([ap])\.m\b\.?"
TIMES: tuple[Rewrite, ...] = (
    Rewrite(re.compile(_COMPACT, re.I), r"\1 \2.m.", re.compile(_DOTTED, re.I), keep=False),
    Rewrite(re.compile(_DOTTED, re.I), r"\1\2m", re.compile(_COMPACT, re.I), keep=False),
)

# per knowledge base (while its chunks are the same): whether its text matches a pattern
_USES: weakref.WeakKeyDictionary[KnowledgeBase, tuple[object, dict[re.Pattern[str], bool]]] = (
    weakref.WeakKeyDictionary()
)


def _kb_matches(kb: KnowledgeBase, pattern: re.Pattern[str]) -> bool:
    chunks, seen = _USES.get(kb, (None, {}))
    if chunks is not kb.chunks:
        seen = {}
        _USES[kb] = (kb.chunks, seen)
    if pattern not in seen:
        seen[pattern] = any(pattern.search(chunk.text) for chunk in kb.chunks)
    return seen[pattern]


def _applies(kb: KnowledgeBase, rule: Rewrite) -> bool:
    """The knowledge base never uses the phrase and does use what it is rewritten to."""
    if _kb_matches(kb, rule.pattern):
        return False
    if rule.target is not None:
        return _kb_matches(kb, rule.target)
    words = content_terms(re.sub(r"\\\d", " ", rule.plain))
    return bool(words) and all(w in kb.lexical.vocabulary for w in words)


def rewritten(kb: KnowledgeBase, text: str, rules: Sequence[Rewrite] = PHRASAL + TIMES) -> str:
    """``text`` with each rule's phrase read as the knowledge base's word where :func:`_applies`."""
    for rule in rules:
        if not rule.pattern.search(text) or not _applies(kb, rule):
            continue
        if (rule.unless is not None and rule.unless.search(text)) or (
            rule.when and not rule.when.search(text)
        ):
            continue
        text = rule.pattern.sub(partial(_beside, rule.plain) if rule.keep else rule.plain, text)
    return text


def _beside(plain: str, match: re.Match[str]) -> str:
    """The asker's phrase with the plain words after it."""
    return f"{match.group(0)} {match.expand(plain)}"
