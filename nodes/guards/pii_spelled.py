"""E-mail addresses spelled out so that scrapers miss them: "jane dot doe at example dot com",
"ops AT acme DOT co DOT uk". The bracketed forms ("jane [at] example [dot] com") are
:mod:`crewline.nodes.guards.pii`'s ``_EMAIL``.

Prose says "at" all the time ("look at the logs"), so a spelled-out address needs the whole shape: a
word (or words joined by "dot"), "at", a domain of words joined by "dot", and a top-level domain
people use, spelled "dot com", "dot org", "dot co dot uk". Each word is bounded and the pattern is
tried only from each " at " (``str.find``), so the scan is linear.
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
        if domain is not None and local is not None:
            yield local.start(), domain.end()
            done = domain.end()
            at = lowered.find(" at ", done)
            continue
        at = lowered.find(" at ", at + 1)
