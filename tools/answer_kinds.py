"""More kinds of value a question asks for, on top of :mod:`crewline.tools.question_terms`.

:func:`refine` adds to a :class:`~crewline.tools.question_terms.Question` the answer patterns its
question shapes imply and the base patterns miss, and drops one they over-apply:

* "how many" asks for a count: a sentence stating a number of something ("up to 4 authorized users");
* "how quickly/soon/long" is also answered in seconds ("a decision within 60 seconds");
* "I'm calling from ...", "who do I ring", "what number do I dial" ask for a phone number; "my phone",
  "my new phone number", "which phones" name the customer's own phone or number (a device to lose,
  a number to update, phones an app runs on), not one to call: without a word that asks for one to
  call ("call", "contact", "your phone number", "phone line"), no phone number is asked for, and
  "phone" is matched as a topic word;
* a yes/no question whose verb is an action on a fee ("can you take back a late fee", "will you
  waive the fee") names the fee as its topic, not as an amount to state: the amount pattern is
  dropped, so the sentence that answers (the one with its verb, or the waiver) is not outranked by
  one quoting the fee. Questions that ask about cost with a cost verb ("do you charge for", "does it
  cost", "is there a fee") keep it;
* such a yes/no question about a cost is also answered by a sentence that says it costs nothing
  without naming an amount ("Kestrel Financial does not charge for text alerts");
* "how long do I have to", "what's the deadline", "by when must I" ask for a limit, which the articles
  often state as a condition ("a card that is not activated within 60 days is cancelled"): a value
  under a condition answers it as well as a stated one (:mod:`crewline.tools.answer_sentences`);
  "how long does it take", "how soon" ask for the time something takes (``asks_duration``), which a
  duration that is only a condition does not state ("if it has not arrived after 10 days");
* a question asking for an amount ("is there a fee for", "how much"), or what a rate or an age is,
  is answered only by a sentence stating one (or, for a cost, that there is none): ``required``;
* "what info do you need", "what will you want to know", "what do I need to have ready" ask what is
  required: a sentence saying what we need or ask for ("We need their full name, date of birth and
  address", "You will need the other card's account number"), and that sentence satisfies the
  question's "info", "need", "know".

General question shapes of English, none taken from a benchmark question.
"""

from __future__ import annotations

import re
from dataclasses import replace

from crewline.memory.knowledge.embeddings import content_terms
from crewline.tools.question_terms import REQUIRED_VALUES, Question

__all__ = ["refine"]

_COUNT_ASK = re.compile(r"\bhow many\b(?! (?:business )?(?:days?|hours?|minutes?|months?|weeks?|years?)\b)")
# a number of things ("up to 4 authorized users", "3 bank accounts"), not a time, a duration or money
_COUNT = re.compile(
    r"(?<![$\d.,–-])\b\d[\d,]* (?!(?:a\.m|p\.m|business|days?|hours?|minutes?|seconds?|weeks?|months?"
    r"|years?|billing|percent|cents?|dollars?)\b)[a-z]"
)
_SPEED_ASK = re.compile(r"\bhow (?:long|soon|quickly|fast)\b|\bwhen will\b")
_SECONDS = re.compile(r"\b\d+ seconds?\b")
_PHONE_ASK = re.compile(r"\b(?:calling|called|ring|dial|dialing)\b|\bwhat number\b")
_PHONE = re.compile(r"(?:\+?1-)?\d{3}-\d{3}-\d{4}\b")
# The customer's own phone or number ("my phone", "a new phone number", "which phones") ...
_OWN_PHONE = re.compile(
    r"\b(?:my|new|old|our|his|her|their)\s+(?:(?:cell|mobile)\s+)?(?:tele)?phones?\b|\bphones\b"
)
# ... unless the question also asks for a number to call.
_CALL_ASK = re.compile(
    r"\b(?:call|calling|called|contact|hotline|ring|dial|dialing)\b|\bnumber to\b|\bwhat number\b"
    r"|\b(?:your|the|a|which|what) (?:tele)?phone (?:number|line)\b|\bphone line\b"
)
# A yes/no question and its verb (as question_terms reads it) ...
_POLAR_VERB = re.compile(
    r"^(?:[^?]*?[.!]\s+)?(?:do|does|did|can|could|will|would|should|must|may)\s+"
    r"(?:i|we|you|they|it|there|my|the|this|that)\s+(?:still\s+|ever\s+|also\s+)?([a-z']+)"
)
# "does not charge", "never charges", "at no charge", "costs nothing": the "no" to a yes/no cost question
_NO_COST = re.compile(
    r"\b(?:does|do|will) not charge\b|\bnever charges?\b|\bat no (?:charge|cost)\b|\bcosts? nothing\b"
    r"|\bwithout (?:a |any )?(?:fee|charge)\b",
    re.I,
)
# The verbs of a yes/no question (above) that ask about a cost when they do.
_COST_VERBS = frozenset(
    {"charge", "charges", "cost", "costs", "pay", "have", "has", "get", "need", "owe"}
) | {"bill", "add", "apply", "come", "include"}


_NEEDS_WORDS = frozenset(
    content_terms("info information details documents paperwork papers need want know ready require")
)
# What is required: "what info/details/documents do you need", "what will you want to know", "what do
# I need to have ready" ...
_NEEDS_ASK = re.compile(
    r"\bwhat (?:info|information|details|documents?|paperwork|papers)\b"
    r"|\bwhat (?:do|does|will|would|should) (?:you|i|we|they) (?:\w+ )?(?:need|want|ask|require|have ready)\b"
    r"|\bwant to know\b|\bhave ready\b"
)
# ... is answered by what we need or ask for, or what you will need.
# Not a consequence ("after 30 days you would need to apply for a new card", "you will need to request
# a new one"), a thing needed for another task ("a PIN is needed for cash advances") or the customer
# asking ("if you ask for a replacement card"): each promoted an unrelated sentence over the answer.
_NEEDS = re.compile(
    r"\bwe (?:will |would |'ll )?(?:need|require|ask (?:for|about)|ask you for)\b"
    r"|\byou (?:will |would |'ll )?(?:need|require) (?!to\b)"
    r"|\byou (?:will |would |'ll )?need to (?:provide|bring|show|have|give|send|upload|enter|tell)\b"
    r"|\b(?:is|are) (?:needed|required) (?:to|for) (?:verify|confirm|prove|process)\b",
    re.I,
)


# How long one has, or by when: "how long do I have (left) to", "until when can I", "the deadline",
# "how late can I".
_DEADLINE_ASK = re.compile(
    r"\bhave (?:\w+ )?(?:to|until|left)\b|\bdeadline\b|\bby when\b|\buntil when\b|\bhow late\b"
    r"|\btime limit\b|\bat the latest\b"
)


# A question asking what a rate or an age is (not "does the APR change"): the answer must state one.
_WHAT_ASK = re.compile(r"\b(?:what|what's|which|how (?:much|high|low|old))\b")
# The rates an answer must state: what a card charges ("the tax rate for lottery winnings" may be
# answered "is not taxed", "the accounting rate of return" by a definition; ClapNQ lost two answers).
_RATE_NAMED = re.compile(r"\b(?:apr|interest rate)\b")
# A question asking what a fee or cost is, or whether there is one ("is there a fee for", "what's the
# late fee", "do you charge for", "how much does it cost"), not one about a fee ("can I get the late fee
# waived", "why was I charged a fee", "how do I avoid the fee"): the answer must state an amount, "free"
# or that there is none.
_FEE = r"(?:fees?|costs?|prices?|charges?)"
_FEE_ASK = re.compile(
    rf"\b(?:is|are) there (?:a |an |any )?(?:\w+ ){{0,2}}{_FEE}\b"
    rf"|\bwhat(?:'s| is| are| was| will)? (?:the |a |your )?(?:\w+ ){{0,3}}{_FEE}\b"
    r"|\b(?:do|does|will|would) (?:you|it|they|that|this|kestrel) (?:\w+ ){0,2}(?:charge|cost)s?\b"
    r"|\bhow much (?:do|does|will|would) (?:you|it) (?:charge|cost)\b"
)
# How long something takes ("how long does a refund take", "how soon will I hear back").
_TAKES_ASK = re.compile(r"\bhow (?:long|soon|quickly|fast)\b")
_HOW_MUCH = re.compile(r"\bhow much\b")
_FEE_WORD = re.compile(rf"\b{_FEE}\b")


def _asks_value(answer: re.Pattern[str], lowered: str) -> bool:
    """The question asks for the value ``answer`` finds (an amount, a rate, an age), not only about it."""
    if answer is _NO_COST or answer.search("$40"):  # an amount
        if _FEE_ASK.search(lowered):
            return True
        # "how much ... fee" (two searches: one pattern spanning them backtracks on "how much" repeated)
        asked = _HOW_MUCH.search(lowered)
        return bool(asked and _FEE_WORD.search(lowered, asked.end()))
    if answer.search("21.99%"):  # a rate: an APR or interest rate ("the tax rate" may be "no tax")
        return bool(_WHAT_ASK.search(lowered) and _RATE_NAMED.search(lowered))
    return bool(_WHAT_ASK.search(lowered))  # an age


def refine(question: Question, query: str) -> Question:
    """``question`` with the answer patterns described in the module docstring."""
    lowered = query.lower()
    types = list(question.types)
    if _COUNT_ASK.search(lowered):
        types.append((_COUNT, frozenset()))
    if _SPEED_ASK.search(lowered):
        types.append((_SECONDS, frozenset()))
    if _OWN_PHONE.search(lowered) and not _CALL_ASK.search(lowered):
        types = [(answer, words) for answer, words in types if answer.pattern != _PHONE.pattern]
    if _PHONE_ASK.search(lowered) and not any(answer.pattern == _PHONE.pattern for answer, _ in types):
        types.append((_PHONE, frozenset()))
    polar = _POLAR_VERB.search(lowered)
    if polar and polar.group(1) not in _COST_VERBS and re.search(r"\bfees?\b", lowered):
        types = [(answer, words) for answer, words in types if not answer.search("a fee of $40")]
    elif polar or lowered.startswith(("is there", "are there")):
        cost = [words for answer, words in types if answer.search("a fee of $40")]
        if cost:
            types.append((_NO_COST, cost[0]))
    if _NEEDS_ASK.search(lowered):  # its "info", "need", "know" are satisfied by what is needed
        types.append((_NEEDS, _NEEDS_WORDS & question.terms))
    required = tuple(
        answer
        for answer, _ in types
        if (answer is _NO_COST or answer.pattern in REQUIRED_VALUES) and _asks_value(answer, lowered)
    )
    deadline = bool(_DEADLINE_ASK.search(lowered))
    duration = bool(_TAKES_ASK.search(lowered)) and not deadline
    return replace(
        question, types=tuple(types), asks_deadline=deadline, asks_duration=duration, required=required
    )
