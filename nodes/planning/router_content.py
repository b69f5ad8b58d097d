"""Which of a router's word features carry content: the router's content check (``router_model``).

A route none of whose examples shares a content word with a request is unlikely to be its route,
however well the function words fit. Content is a word unigram (or a concept, ``~cancel``) that is
no function word. The function words were scikit-learn's stop-word list, which ``features`` reads,
and that list was made for searching documents:

* it holds no contraction, so "what's", "i'm", "don't" and "it's" counted as content: "What's the
  weather in Boston?" shared "what's" with every route whose examples ask "what's ...", and a
  help-centre route whose examples are questions took it. A contraction of a function word ("what's"
  = what + 's, "don't" = do + n't), or one typed without its apostrophe ("whats", "dont", "im"), is
  a function word here;
* it holds words that name what a request to a service is about ("bill", "due", "amount",
  "interest", "name", "call"): "what's my due date" shared nothing with a billing route whose
  examples ask when a payment is due. Those are content here.

Chosen on CLINC150 train rows held out from 5-shot fits (seeds 10-12, never val), lexical router:
intent right 0.7957 at oos recall 0.550 -> 0.7982 at 0.557, domain 0.9143 at 0.563 -> 0.9140 at 0.577.
"""

from __future__ import annotations

import weakref
from functools import cache

import numpy as np

from crewline.nodes.planning.features import TextFeatures, word_ngrams
from crewline.nodes.stop_words import english_stop_words

__all__ = ["content_columns", "is_function_word", "shares_content_stem"]

# Words of scikit-learn's list that name what a request is about ("what's my bill", "when is it due",
# "the interest rate", "the name on my account", "call me back").
_NAMES_THINGS = frozenset({"amount", "bill", "call", "detail", "due", "fire", "interest", "name", "system"})
# Auxiliaries a negative contraction is made of that the list lacks ("don't", "can't" = "ca" + "n't",
# "won't" = "wo" + "n't").
_NEGATED = frozenset({"do", "does", "did", "ca", "wo", "sha", "ai", "need", "dare", "ought", "might", "must"})
# The clitics an apostrophe joins to a word ("what's", "you're", "i've", "i'd", "we'll", "i'm").
_CLITICS = frozenset({"s", "re", "ve", "d", "ll", "m"})
# Contractions typed without their apostrophe that are no word of their own ("its" is a stop word;
# "id" names an identifier and "well", "hell", "shell" are words, so they are not here).
_UNMARKED = frozenset(
    {
        "whats", "thats", "hows", "wheres", "whos", "whens", "whys", "theres", "heres", "im", "ive",
        "youre", "youve", "youll", "theyre", "theyve", "weve", "dont", "doesnt", "didnt", "cant", "wont",
        "isnt", "arent", "wasnt", "werent", "hasnt", "havent", "hadnt", "couldnt", "wouldnt", "shouldnt",
        "mustnt", "aint", "lets",
    }
)  # fmt: skip


@cache
def is_function_word(word: str) -> bool:
    """Whether a lower-cased token is a function word: a stop word or a contraction of one."""
    stop_words = english_stop_words()
    if word in _NAMES_THINGS:
        return False
    if word in stop_words or word in _UNMARKED:
        return True
    head, apostrophe, tail = word.partition("'")
    if not apostrophe:
        return False
    if tail == "t" and head.endswith("n"):  # "don't", "isn't", "can't"
        base = head[:-1]
        return base in stop_words or base in _NEGATED
    return tail in _CLITICS and head in stop_words


_CONTENT: weakref.WeakKeyDictionary[TextFeatures, np.ndarray] = weakref.WeakKeyDictionary()
_STEMS: weakref.WeakKeyDictionary[TextFeatures, frozenset[str]] = weakref.WeakKeyDictionary()


def content_columns(features: TextFeatures) -> np.ndarray:
    """A mask over ``features``' columns: the word unigrams and concepts that are no function word
    (computed once per fitted features; a cross-fitting fold shares its router's)."""
    mask = _CONTENT.get(features)
    if mask is None:
        mask = np.zeros(features.dim, dtype=bool)
        for column, term in enumerate(features.vocabularies[0]):  # the word block comes first
            mask[column] = " " not in term and not is_function_word(term)
        _CONTENT[features] = mask
    return mask


def _stem(word: str) -> str:
    """A word's first five letters: inflections of one word share them ("repeat", "repeats")."""
    return word[:5]


def shares_content_stem(features: TextFeatures, text: str) -> bool:
    """Whether ``text`` has a content word whose stem one of the vocabulary's content words has
    (a one-route router's check: "repeat banana split" and "repeats what you say")."""
    stems = _STEMS.get(features)
    if stems is None:
        words = features.vocabularies[0]
        mask = content_columns(features)
        stems = frozenset(_stem(words[column]) for column in np.flatnonzero(mask[: len(words)]))
        _STEMS[features] = stems
    tokens = (gram for gram in word_ngrams(text) if " " not in gram)
    return any(_stem(word) in stems for word in tokens if not is_function_word(word))
