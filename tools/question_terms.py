"""What a question asks, read against a knowledge base: its terms, their weights, the values it wants.

A question's terms are its stemmed content words, weighted by their BM25 IDF over the knowledge base
(a word the knowledge base never uses outweighs every word it does use: it is usually the topic it
does not cover), except that a generic word ("going", "put") weighs little, and a word the knowledge
base never uses but says otherwise ("shut" for "close";
:mod:`crewline.memory.knowledge.synonyms`) weighs what its alternative does and is matched by it.
Some questions ask for a kind of value (a duration, an amount, a phone number, a percentage) or are
yes/no questions whose answer uses their verb; :class:`Question` carries the answer patterns that
recognise such a sentence. :func:`search_text` is what retrieval searches for: the question plus the
knowledge base's own words for the words it never uses.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from crewline.memory.knowledge.embeddings import content_terms
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.spelling import close_terms
from crewline.memory.knowledge.synonyms import GENERIC, expansion
from crewline.memory.knowledge.synonyms import alternatives as alternatives_of
from crewline.memory.knowledge.vocabulary import VOCABULARY

__all__ = ["COST_ANSWER", "GENERIC_WEIGHT", "REQUIRED_VALUES", "Question", "question_of", "search_text"]

# A generic word's weight at most (an IDF; a word in every chunk weighs ~0.1, an unknown one ~7).
GENERIC_WEIGHT = 0.5


def _terms(words: str) -> frozenset[str]:
    return frozenset(content_terms(words))


# What a question asking when something stops says ("when does the hold go away"): its answer is the
# condition or the time it ends, not any duration.
_ENDS = "go(?:es)? away|end|ends|stop|stops|expire|expires|finish|drop off|come off|be lifted|lift|disappear"

# Answer patterns of the kinds of value below; some an answer must hold when they are asked for
# (:data:`REQUIRED_VALUES`): a sentence about virtual card numbers does not answer "is there a fee for
# virtual card numbers".
_COST_ANSWER = re.compile(r"[$€£]\d|\b\d+(?:\.\d+)?%|\bfree\b|\bno (?:\w+ ){0,2}fee\b|\bno (?:charge|cost)\b")
COST_ANSWER = _COST_ANSWER  # what a cost question's answer holds (answer_sentences reads it)
_PHONE_ANSWER = re.compile(r"(?:\+?1-)?\d{3}-\d{3}-\d{4}\b")
_AGE_ANSWER = re.compile(r"\b\d+ years? old\b|\bages? (?:of )?\d+|\b\d+ or older\b|\bat least \d+\b")
_RATE_ANSWER = re.compile(r"\b\d+(?:\.\d+)?%")
# An amount, an age or a rate: a sentence without one is no answer to a question asking for one,
# whatever else it shares with it. Not durations and times ("when do I get my statement" is answered
# "the day after the closing date", "how long must my password be" in characters), nor phone numbers
# ("can I change my contact details" asks for none).
REQUIRED_VALUES = frozenset(p.pattern for p in (_COST_ANSWER, _AGE_ANSWER, _RATE_ANSWER))

# Kinds of value a question can ask for: (question pattern, answer pattern, question words it satisfies).
_ANSWER_TYPES: tuple[tuple[re.Pattern[str], re.Pattern[str], frozenset[str]], ...] = (
    (
        re.compile(
            r"\bhow (?:long|soon|quickly|fast|many (?:business )?days|far back|recent)\b"
            rf"|\bwhen (?:will|does|do|can|is|are|should)\b(?!.*\b(?:{_ENDS})\b)"  # not when it ends (below)
        ),
        # "18 years old" is an age, not how long something takes
        re.compile(
            r"\b\d+(?:[–-]\d+)? (?:business )?(?:days?|hours?|minutes?|months?|weeks?|years?)\b(?! old\b)"
        ),
        _terms("soon quick quickly fast day days business time wait arrive far back recent"),
    ),
    (  # an age: "how old must I be", "what age"
        re.compile(r"\bhow old\b|\bwhat age\b|\bminimum age\b|\bage limit\b"),
        _AGE_ANSWER,
        _terms("old age older young"),
    ),
    (
        re.compile(r"\bhow much\b|\bcosts?\b|\bprices?\b|\bfees?\b|\bcharge (?:for|me)\b|\bpay for\b"),
        _COST_ANSWER,
        _terms("cost costs price fee fees pay charge"),
    ),
    (
        re.compile(r"\b(?:phone|telephone|call|contact|hotline|number to)\b"),
        _PHONE_ANSWER,
        _terms("phone telephone call contact hotline number line"),
    ),
    (
        re.compile(
            r"\bhow (?:do|can|should|would) (?:i|we)\b|\bhow to\b|\bwhere (?:do|can|should) i\b"
            r"|\bwhat (?:should|do|can|must) (?:i|we) do\b"
        ),
        re.compile(r"→|\bin the app\b|\bonline\b|\bcall(?:ing)? (?:us|1-)|\btap\b|\bsend\b|\brequest\b"),
        frozenset(),
    ),
    (  # when something stops ("when does the penalty rate go away"): the condition or moment it ends
        re.compile(rf"\bwhen (?:does|do|will|would|can|is|are)\b.*\b(?:{_ENDS})\b"),
        re.compile(
            r"\bends?\b|\bafter\b|\buntil\b|\bonce\b|\bstops?\b|\bexpires?\b|\bdrops? off\b|\blifted\b"
            r"|\bwithin \d"
        ),
        frozenset(),
    ),
    (
        re.compile(r"\bwhy\b"),
        re.compile(r"\bbecause\b|\breasons?\b|\bdue to\b|\bcaused?\b|\bif\b"),
        frozenset(),
    ),
    (  # a size or amount ("how big a deposit", "the lowest amount"): a number, money or a share
        re.compile(
            r"\bhow (?:big|large|high|low|small)\b"
            r"|\b(?:what|which|lowest|smallest|highest|largest|minimum|maximum|least|most) (?:\w+ )?amount\b"
        ),
        re.compile(r"\$\d|\b\d[\d,]*(?:\.\d+)?%|\b\d[\d,]* (?:points?|cents?|dollars?|percent)\b"),
        _terms("amount big large high low small lowest smallest highest largest"),
    ),
    (  # a time of day or opening hours ("when can I reach someone", "what time", "your hours")
        re.compile(r"\bwhen (?:can|could|is|are) (?:i|we|you|someone|somebody|anyone)\b|\bwhat time\b"),
        re.compile(
            r"\b\d{1,2}(?::\d\d)? ?(?:a\.m\.|p\.m\.|am\b|pm\b)|\b24 hours\b|\b24/7\b"
            r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekdays?|weekends?)\b",
            re.I,
        ),
        _terms("time open reach"),
    ),
    (
        re.compile(r"\b(?:apr|interest rate|rate)\b"),
        _RATE_ANSWER,
        _terms("apr rate interest"),
    ),
)


# A yes/no question and its verb ("do I need", "can you send", "is there"): the sentence that answers
# it uses that verb ("You do not need to ..."), often a stop word the term matching cannot see.
_POLAR = re.compile(
    r"^(?:[^?]*?[.!]\s+)?(?:do|does|did|can|could|will|would|should|must|may|is|are)\s+"
    r"(?:i|we|you|they|it|there|my|the|this|that)\s+(?:still\s+|ever\s+|also\s+)?([a-z']+)"
)
_AUXILIARIES = frozenset(["a", "an", "be", "have", "has", "get", "the", "to", "my", "your"])


def _idf(kb: KnowledgeBase, term: str) -> float:
    """A term's BM25 IDF over the knowledge base; a word it never uses outweighs every word it does use."""
    lexical = kb.lexical
    col = lexical.vocabulary.get(term)
    return float(lexical.idf[col]) if col is not None else 1.5 * math.log(1.0 + lexical.n)


@dataclass(frozen=True)
class Question:
    terms: frozenset[str]  # stemmed content words
    weights: dict[str, float]  # IDF of each term over the knowledge base
    types: tuple[tuple[re.Pattern[str], frozenset[str]], ...]  # (answer pattern, terms it satisfies)
    alternatives: dict[str, frozenset[str]] = field(default_factory=dict)  # term -> the words that count
    # asks how long one has or by when ("how long do I have to ..."): the answer is often the
    # condition that sets the limit ("a card that is not activated within 60 days is cancelled")
    asks_deadline: bool = False
    # asks how long something takes ("how long does a refund take"), not how long one has: a duration
    # that is only a condition ("if it has not arrived after 10 days") does not answer it
    asks_duration: bool = False
    # answer patterns one of which an answer must match (the question asks for an amount, an age or
    # a rate; :func:`crewline.tools.answer_kinds.refine` sets them)
    required: tuple[re.Pattern[str], ...] = ()

    def matched(self, words: frozenset[str]) -> frozenset[str]:
        """The question terms ``words`` supports: the term itself or, for a word the knowledge base
        never uses, one it uses for the same thing (:mod:`crewline.memory.knowledge.synonyms`)."""
        return frozenset(t for t in self.terms if t in words or self.alternatives.get(t, frozenset()) & words)

    @property
    def value_terms(self) -> frozenset[str]:
        """Terms that ask for a kind of value ("phone", "cost") rather than name a topic."""
        return frozenset().union(*(words for _, words in self.types))

    def coverage(self, terms: set[str] | frozenset[str]) -> float:
        total = sum(self.weights.values())
        return sum(self.weights[t] for t in terms & self.terms) / total if total else 0.0


def _known(kb: KnowledgeBase) -> Callable[[str], bool]:
    vocabulary = kb.lexical.vocabulary
    return lambda term: term in vocabulary


def question_of(kb: KnowledgeBase, query: str) -> Question:
    """The question's terms and their weights: IDF over the knowledge base, except that a generic
    word ("going", "put") weighs little, and a word the knowledge base never uses but says otherwise
    ("shut" for "close") weighs what its alternative does instead of what an unknown word does."""
    terms = frozenset(content_terms(query))
    lowered = query.lower()
    types = tuple((answer, words & terms) for ask, answer, words in _ANSWER_TYPES if ask.search(lowered))
    polar = _POLAR.search(lowered)
    if polar and polar.group(1) not in _AUXILIARIES:  # "do I need ...": the answer says whether one needs
        types += ((re.compile(rf"\b{re.escape(polar.group(1))}", re.I), frozenset()),)
    known = _known(kb)
    words = VOCABULARY.get()
    alternatives = {
        t: alternatives_of(t, known, True, words.groups, words.bridges) | _respelt(kb, t) for t in terms
    }
    weights = {}
    for term in terms:
        others = alternatives[term] - {term}
        weight = max(_idf(kb, other) for other in others) if others and not known(term) else _idf(kb, term)
        weights[term] = min(weight, GENERIC_WEIGHT) if term in GENERIC else weight
    return Question(terms, weights, types, alternatives)


def _respelt(kb: KnowledgeBase, term: str) -> frozenset[str]:
    """The knowledge base's terms one edit from ``term`` when it never uses ``term`` itself (a typo:
    :mod:`crewline.memory.knowledge.spelling`); nothing for a term it uses."""
    lexical = kb.lexical
    return frozenset() if term in lexical.vocabulary else close_terms(term, lexical, lexical.vocabulary)


def search_text(kb: KnowledgeBase, query: str) -> str:
    """What retrieval searches for: ``query``, plus the knowledge base's own words for the words of
    it the knowledge base never uses (:func:`crewline.memory.knowledge.synonyms.expansion`) and for
    its misspelt words (:func:`_respelt`)."""
    words = VOCABULARY.get()
    extra = expansion(query, _known(kb), words.groups, words.bridges)
    extra += sorted({t for term in content_terms(query) for t in _respelt(kb, term)})
    return f"{query} {' '.join(extra)}" if extra else query
