"""Feature rows of the trainable injection detector: hashed word and character n-grams, opening words, rules.

Four blocks, one sparse row per text:

- word unigrams and bigrams of the folded text (CRC32 of each word, bigrams mixing their two
  words' hashes), hashed into ``N_WORD`` columns;
- character 3-, 4- and 5-grams of the folded text with every run of non-alphanumerics squeezed to
  one space, hashed into ``N_CHAR`` columns: they still match when an attacker splits, respells or
  pads a keyword (``ign0re``, ``i g n o r e``, ``ignore___previous``), where whole words do not;
- the first ``OPENING_WORDS`` tokens of the text, hashed into ``N_OPENING`` columns of their own:
  how a message opens (``ignore ...``, ``from now on``, ``you are ...`` against ``write a ...``,
  ``what is ...``) separates a directive aimed at the model from a task handed to it better than
  the same words anywhere in the text (20 seeded half splits of the dev corpus, test tpr at the cut
  allowing 2 false positives: 0.964 -> 0.975; at 1: 0.956 -> 0.968);
- one column per built-in rule (its weight when it fires), the built-in detector's combined score
  and the log length.

Each n-gram block is TF with sublinear scaling (1 + log count), L2-normalised on its own, so a long
text does not drown the rule columns; the opening block is binary, L2-normalised too. Character
n-grams are hashed with NumPy (a polynomial rolling hash then a multiplicative mix), which keeps a
1 KB message's row at tens of microseconds.
"""

from __future__ import annotations

import math
import re
import zlib
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from crewline.nodes.guards.rules import RULES, Rule, RuleDetector, fold, rule_hits

__all__ = ["N_CHAR", "N_COLUMNS", "N_OPENING", "N_WORD", "OPENING_WORDS", "row"]

N_WORD = 2**18
N_CHAR = 2**18
N_OPENING = 2**14
CHAR_SIZES = (3, 4, 5)  # consecutive: each size's hashes extend the previous size's
OPENING_WORDS = 6  # tpr at 1-2 false positives flat for 3..10 on the dev corpus
# word n-grams, char n-grams, opening words, one column per rule, the built-in score, log length
N_COLUMNS = N_WORD + N_CHAR + N_OPENING + len(RULES) + 2
_OPENING_AT = N_WORD + N_CHAR
_RULES_AT = _OPENING_AT + N_OPENING
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_RULE_INDEX = {id(rule): i for i, rule in enumerate(RULES)}
_BUILTIN = RuleDetector()
_ROLL = np.uint64(1000003)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio: spreads the rolling hash's low bits
_OPENING_SALT = np.uint64(0x5BD1E995)  # an opening word hashes apart from the same word elsewhere
Block = tuple[NDArray[np.int64], NDArray[np.float64]]  # one block's column indices and values
_EMPTY: Block = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def _sublinear(counts: NDArray[np.float64]) -> NDArray[np.float64]:
    values = 1.0 + np.log(counts)
    norm = float(np.linalg.norm(values))
    return values / norm if norm else values


@lru_cache(maxsize=1 << 16)
def _token_hash(token: str) -> int:
    # "replace": a lone surrogate (unsanitized input) hashes as "?" instead of raising
    return zlib.crc32(token.encode("utf-8", "replace"))


def _words(folded: str) -> tuple[Block, Block]:
    """The word-n-gram block and the opening-words block: both read the same tokens."""
    tokens = _TOKEN.findall(folded)
    if not tokens:
        return _EMPTY, _EMPTY
    # tokens hash once (cached: words recur across messages); bigrams combine their two hashes
    hashes = np.fromiter(map(_token_hash, tokens), dtype=np.uint64, count=len(tokens))
    bigrams = ((hashes[:-1] * _ROLL + hashes[1:]) * _MIX) >> np.uint64(40)
    buckets = np.concatenate([hashes, bigrams]) % np.uint64(N_WORD)
    columns, counts = np.unique(buckets.astype(np.int64), return_counts=True)
    opening_mixed = ((hashes[:OPENING_WORDS] ^ _OPENING_SALT) * _MIX) >> np.uint64(40)
    opening = np.unique((opening_mixed % np.uint64(N_OPENING)).astype(np.int64))
    opening_values = np.full(opening.size, 1.0 / math.sqrt(opening.size))
    return (columns, _sublinear(counts.astype(np.float64))), (opening + _OPENING_AT, opening_values)


def _chars(folded: str) -> Block:
    squeezed = " " + _NON_ALNUM.sub(" ", folded).strip() + " "
    codes = np.frombuffer(squeezed.encode("utf-8", "replace"), dtype=np.uint8).astype(np.uint64)
    hashes = []
    smallest = CHAR_SIZES[0]
    rolling = np.full(max(len(codes) - smallest + 1, 0), np.uint64(smallest))
    for k in range(smallest):
        rolling = rolling * _ROLL + codes[k : k + len(rolling)]
    for size in range(smallest, CHAR_SIZES[-1] + 1):  # each size extends the previous size's hashes
        if size > smallest:
            rolling = rolling[:-1] * _ROLL + codes[size - 1 :]
        if rolling.size == 0:
            break
        hashes.append(rolling)
    if not hashes:
        return _EMPTY
    mixed = (np.concatenate(hashes) * _MIX) >> np.uint64(40)
    columns, counts = np.unique((mixed % np.uint64(N_CHAR)).astype(np.int64), return_counts=True)
    return columns + N_WORD, _sublinear(counts.astype(np.float64))


def row(text: str) -> tuple[NDArray[np.int64], NDArray[np.float64], list[Rule]]:
    """Column indices and values of one (sanitized) text's feature row, and the rules that fired."""
    folded = fold(text)
    (word_columns, word_values), (opening_columns, opening_values) = _words(folded)
    char_columns, char_values = _chars(folded)
    hits = rule_hits(text, folded=folded)
    rule_columns = [_RULES_AT + _RULE_INDEX[id(rule)] for rule in hits]
    rule_values = [rule.weight for rule in hits]
    rule_columns += [_RULES_AT + len(RULES), _RULES_AT + len(RULES) + 1]
    rule_values += [_BUILTIN.combine(hits), math.log1p(len(text)) / 8.0]
    rule_block = np.asarray(rule_columns, dtype=np.int64), np.asarray(rule_values, dtype=np.float64)
    columns = np.concatenate([word_columns, char_columns, opening_columns, rule_block[0]])
    values = np.concatenate([word_values, char_values, opening_values, rule_block[1]])
    return columns, values, hits
