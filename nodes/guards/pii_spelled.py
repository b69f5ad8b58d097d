"""E-mail addresses spelled out so that scrapers miss them: "jane dot doe at example dot com",
"ops AT acme DOT co DOT uk". The bracketed forms ("jane [at] example [dot] com") are
:mod:`crewline.nodes.guards.pii`'s ``_EMAIL``.

Prose says "at" all the time ("look at the logs"), so a spelled-out address needs the whole shape: a
word (or words joined by "dot"), "at", a domain of words joined by "dot", and a top-level domain
people use, spelled "dot com", "dot org", "dot co dot uk". Each word is bounded and the pattern is
tried only from each " at " (``str.find``), so the scan is linear.

Shops are spelled the same way ("order it at amazon dot com", "the price of airpods at walmart dot
com", "visit us at www dot example dot com"), so a local part of one plain word is a mailbox only when
it is no pronoun or common word, follows no article, preposition or shopping verb, and is written to
hide it ("ops AT acme DOT co DOT uk") or follows a word about mail ("e-mail john at ..."); a local part with
"dot", digits or "._%+-" in it ("jane dot doe", "jdoe42") always is, and a "www" domain never is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["spelled_emails"]

_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|io|co|ai|app|dev|me|us|uk|ca|au|nz|ie|de|fr|es|it|nl|be|ch|at|"
    "se|no|dk|fi|pl|pt|cz|gr|ru|ua|tr|il|in|jp|cn|kr|sg|hk|tw|br|mx|ar|cl|za|eu"
)
_LOCAL_WORD = r"[a-z0-9][a-z0-9._%+-]{0,62}"
_DOT = r"\s(?:dot|\.)\s"
# the local part ends right before " at "; it is matched backwards from there (``_LOCAL``)
_LOCAL = re.compile(rf"(?i)(?<![\w.@-]){_LOCAL_WORD}(?:{_DOT}{_LOCAL_WORD}){{0,3}}\Z")
_DOMAIN = re.compile(
    rf"(?i)\sat\s[a-z0-9][a-z0-9-]{{0,62}}(?:{_DOT}[a-z0-9-]{{1,63}}){{0,3}}\sdot\s(?:{_TLDS})\b"
)
_LOCAL_REACH = 4 * 64 + 3 * 5  # four words of a local part and the " dot " between them
_PLAIN_WORD = re.compile(r"[A-Za-z]+")
# Words that are not a mailbox's name ("it at amazon dot com"), and words a mailbox does not follow
# ("the price of airpods at ...", "buy shoes at ...").
_NOT_MAILBOX_WORDS = (
    "it us me him her them you we they this that these those one something anything everything "
    "all more less stuff things items products deals prices goods tickets online now here there "
    "today later again also too only"
)
_NOT_BEFORE_MAILBOX_WORDS = (
    "the a an of for on in at to from with by about some any my your our their his its no more "
    "buy bought order ordered get got find found shop shopped sell sold purchase purchased cheaper "
    "available price prices visit"
)
_NOT_MAILBOX = frozenset(_NOT_MAILBOX_WORDS.split())
_NOT_BEFORE_MAILBOX = frozenset(_NOT_BEFORE_MAILBOX_WORDS.split())
_MAIL_CUE = re.compile(r"(?i)mail|contact|write|reach|send|address|inbox|message")
_CUE_REACH = 48
_WORD_BEFORE = re.compile(r"([A-Za-z]{1,20})\s{1,3}\Z")


def spelled_emails(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each spelled-out address."""
    lowered = text.lower()
    if " dot " not in lowered:
        return
    done = 0  # where the last address ended: the next one's local part starts after it
    at = lowered.find(" at ")
    while at >= 0:
        domain = _DOMAIN.match(text, at)
        reach = max(done, at - _LOCAL_REACH)
        local = _LOCAL.search(text, reach, at) if domain else None
        if domain is not None and local is not None and _mailbox(text, local.start(), at, domain.group(0)):
            yield local.start(), domain.end()
            done = domain.end()
            at = lowered.find(" at ", done)
            continue
        at = lowered.find(" at ", at + 1)


def _mailbox(text: str, start: int, end: int, domain: str) -> bool:
    """Whether ``text[start:end]``, before " at <domain>", names a mailbox rather than a thing bought
    at a shop or the people a website belongs to."""
    if domain[4:].lower().startswith("www "):
        return False  # "www dot example dot com": a website
    local = text[start:end]
    if not _PLAIN_WORD.fullmatch(local):
        return True  # "jane dot doe", "jdoe42", "ops.team"
    if local.lower() in _NOT_MAILBOX:
        return False
    before = _WORD_BEFORE.search(text, max(0, start - 24), start)
    if before is not None and before.group(1).lower() in _NOT_BEFORE_MAILBOX:
        return False
    # one plain word: a mailbox when written to hide it ("ops AT acme DOT com") or after a word about
    # mail ("e-mail john at ...", "contact support at ..."); "look at amazon dot com" is a website
    return domain[1:3] == "AT" or _MAIL_CUE.search(text, max(0, start - _CUE_REACH), start) is not None
