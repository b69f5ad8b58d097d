"""Luhn-valid digits that belong to an identifier rather than a card: an ARN's or URN's field, a URL
path segment, a host's first label (:func:`embedded`, read by :mod:`crewline.nodes.guards.pii`).
In a URL's path or host, a number in a card brand's range with its length is a card all the same: a
model told to "render this image" writes ``https://evil.example/c/<card>/x.png``.

Only the digits' own run of non-space characters decides (up to 512 characters before them), so
detection stays context-free: the checkpoint serializer re-detects a restored value anywhere and
finds the same spans.
"""

from __future__ import annotations

import re

from crewline.nodes.guards.pii_cards import card_branded

__all__ = ["embedded"]

# Identifier shapes a Luhn-valid run of bare digits can be part of, each unambiguous: the account
# field of an ARN ("arn:<partition>:<service>:<region>:<account>:...") or a field of a URN, a path
# segment of a URL (after "scheme://host", "host.tld" or "/segment" at the start of the token), the
# first label of a host ("<n>.dkr.ecr.<region>.amazonaws.com", at the token's start or after "://").
# In any case: schemes, host names, ARNs and URNs are case-insensitive, and people type them in
# capitals ("ARN:AWS:IAM::<n>:ROLE/x", "HTTPS://EXAMPLE.COM/users/<n>").
_ARN_HEAD = re.compile(
    r"(?<![\w-])(?:arn:[a-z][a-z0-9-]*:[a-z0-9-]+:[a-z0-9-]*|urn:[a-z0-9][a-z0-9-]+(?::[^\s:]*)*):\Z",
    re.IGNORECASE,
)
_URL_HEAD = re.compile(
    r"(?:(?<![\w+.-])[a-z][a-z0-9+.-]*://[^/\s?#]*|^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d{1,5})?|^(?=/[^/]))"
    r"(?:/[^/\s?#]+)*/\Z",
    re.IGNORECASE,
)
_HOST_HEAD = re.compile(r"(?:[a-z][a-z0-9+.-]*://)?\Z", re.IGNORECASE)
_HOST_TAIL = re.compile(r"(?:\.[a-z][a-z0-9-]*)(?:\.[a-z0-9-]+)*\.[a-z]{2,}", re.IGNORECASE)
_HOST_GOES_ON = re.compile(r"[\w-]|\.\w")  # the labels matched are not the whole host name
# After a path's digits: an expiry ("/12/27", "/1227", "/04/2027") makes them a card again. A month
# and a year: a lone small number ("/users/<n>/3/posts") is the next path segment.
_EXPIRY = re.compile(r"/(?:0?[1-9]|1[0-2])[/-]?(?:20)?\d{2}(?!\w)")
_OPENERS = "\"'`([{<*"
_TOKEN_REACH = 512  # a longer run of non-space characters before the digits is not looked into


def embedded(text: str, start: int, end: int) -> bool:
    """Bare digits that are part of an identifier rather than a number someone wrote down: an ARN's
    account id ("arn:aws:iam::123456789012:role/x"), a URN field ("urn:li:activity:<n>:comments"),
    a URL path segment ("https://host/orders/<n>/items", "/api/orders/<n>/items") or a host's first
    label ("<n>.dkr.ecr.us-east-1.amazonaws.com"). Nothing else: digits typed against a label
    ("card:<n>", "cc=<n>"), before a full stop, a word ("<n>and"), "_exp" or an expiry ("<n>/12/27",
    even inside a URL; "<n>/3/posts" is a path going on), and a number written in groups, stay a card
    (a missed card is a leak, a false card a placeholder). Letter case does not matter."""
    if not text[start:end].isdigit():
        return False
    reach = text[max(0, start - _TOKEN_REACH) : start]
    token = reach.rsplit(None, 1)[-1] if reach and not reach[-1].isspace() else ""
    if len(token) == _TOKEN_REACH:
        return False  # the token starts out of reach: whatever it is, not known to be an identifier
    head = token.lstrip(_OPENERS)
    after = text[end : end + 256]
    if after[:1] == ":" and _ARN_HEAD.search(head):
        return True
    if card_branded(text[start:end]):
        return False  # a URL is where a model exfiltrates: a brand's number in its path or host is a card
    if after[:1] == "/" and after[1:2].isalnum() and not _EXPIRY.match(after) and _URL_HEAD.search(head):
        return True
    tail = _HOST_TAIL.match(after)
    if tail is None or not _HOST_HEAD.fullmatch(head):
        return False
    following = after[tail.end() : tail.end() + 2]
    if _HOST_GOES_ON.match(following):
        return False
    # Two labels and a space ("<n>.can.you check") may be a sentence typed without spaces: a host
    # needs a third label or a path or port after it.
    return tail.group().count(".") >= 3 or following[:1] in ("/", ":")
