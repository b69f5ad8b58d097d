"""Informal spellings in a question, written out ("dont" → "do not", "whats" → "what is", "thru" →
"through"), so they read as the stop words they are.

Customers type contractions without the apostrophe and chat shorthand ("im locked out", "u", "wanna").
The stemmer keeps such a word as a term of its own ("dont", "what"), one the knowledge base never uses,
and a word the knowledge base never uses weighs more than any it does (it usually names a topic the
articles do not cover): "what happens if I dont pay" looked like a question about "dont". The words
below are general English shorthand, none a topic word, so writing them out only removes noise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache, partial

__all__ = ["INFORMAL", "plain"]

# shorthand -> what it stands for (lowercase; matched as whole words, any case)
INFORMAL: dict[str, str] = {
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "cannot",
    "couldnt": "could not",
    "wont": "will not",
    "wouldnt": "would not",
    "shouldnt": "should not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "havent": "have not",
    "hasnt": "has not",
    "hadnt": "had not",
    "whats": "what is",
    "wheres": "where is",
    "whens": "when is",
    "hows": "how is",
    "whos": "who is",
    "thats": "that is",
    "theres": "there is",
    "im": "I am",
    "ive": "I have",
    "youre": "you are",
    "theyre": "they are",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "have to",
    "thru": "through",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "cuz": "because",
    "bc": "because",
    "tho": "though",
    "asap": "as soon as possible",
}
# Single letters are written out only in lowercase and not as part of an abbreviation ("U.S.").
_CASE_SENSITIVE = frozenset({"u", "ur"})


@lru_cache(maxsize=8)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation of fixed words, the longest first: linear."""
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b({alternation})\b(?![.'’-]\w)", re.IGNORECASE)


def _written_out(shorthand: Mapping[str, str], match: re.Match[str]) -> str:
    word = match.group(1)
    lowered = word.lower()
    if lowered in _CASE_SENSITIVE and word != lowered:
        return word
    return shorthand.get(lowered, word)


# A pronoun's contracted auxiliary ("you'll", "we've", "they'd", "you're"): the stop-word list holds
# only some of them, and the rest stayed terms no article uses ("what's the smallest interest charge
# you'll bill me" weighed "you'll" above every topic word). Written out, they are stop words.
_AUXILIARY = {"ll": "will", "ve": "have", "d": "would", "re": "are"}
_CONTRACTED = re.compile(r"\b(i|you|we|they|he|she|it|that|there|who|what)['’](ll|ve|d|re)\b", re.IGNORECASE)


def _auxiliary(match: re.Match[str]) -> str:
    return f"{match.group(1)} {_AUXILIARY[match.group(2).lower()]}"


def plain(text: str, shorthand: Mapping[str, str] = INFORMAL) -> str:
    """``text`` with ``shorthand`` (lowercase keys; default :data:`INFORMAL`; empty: none) and
    contracted auxiliaries written out; anything else unchanged (phrasal verbs and times need the
    knowledge base: :mod:`crewline.memory.knowledge.phrasal`)."""
    if shorthand:
        text = _pattern(tuple(shorthand)).sub(partial(_written_out, shorthand), text)
    return _CONTRACTED.sub(_auxiliary, text)
