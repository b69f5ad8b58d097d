"""Hard-wrapped text: which line breaks are soft (a paragraph wrapped at ~72 columns) and which are real.

Many people write Markdown and text files with every paragraph wrapped by hand or by their editor.
Read line by line, such a paragraph falls apart into fragments ("Refunds are issued to the original
payment"), so before sentences are split :func:`soft_breaks` finds the line breaks that only wrap a
paragraph, and :func:`unwrap` joins those lines. A break is kept where the next line starts a block
of its own — a heading, a list item, a table row, a block quote, a fence or an HTML tag — inside
fenced or indented code, after a Markdown hard break (two trailing spaces or a backslash), and
between "Label: value" lines. Otherwise a break is soft when the next line cannot start a sentence
(it starts lowercase, with a digit or with punctuation) and the line does not end one, or when the
line is *full*: the next line's first word would not have fitted in the block's width (its longest
line), the rule of every greedy wrapper, with some slack for wrapping by hand. Blocks narrower than
:data:`MIN_WRAP_WIDTH` are not taken for wrapped prose (addresses, short lists of lines), except for
the lowercase rule. Lines of a list item that follow it (indented or not) continue the item.
"""

from __future__ import annotations

import re

__all__ = ["MIN_WRAP_WIDTH", "soft_breaks", "unwrap"]

MIN_WRAP_WIDTH = 40
FULL_SHARE = 0.8  # a line whose next word would reach 80 % of the block's width was wrapped

_HEADING = re.compile(r"^\s{0,3}#{1,6}(?:\s|$)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+\S")
_TABLE = re.compile(r"^\s*\||\S\s+\|\s+\S.*\|")
_RULE = re.compile(r"^\s{0,3}([-=*_])(?:\s*\1){2,}\s*$")  # thematic break or setext underline
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_OTHER_BLOCK = re.compile(r"^\s*(?:>|<[A-Za-z/!])")
_LABEL = re.compile(r"^\s*[A-Z][\w'’/()&.,-]*(?: [\w'’/()&.,-]+){0,4}:\s+\S")
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"')\]”’*_]*$")
_CODE_INDENT = re.compile(r"^(?: {4}|\t)")


def _starts_block(line: str) -> bool:
    return bool(
        _HEADING.match(line)
        or _LIST_ITEM.match(line)
        or _TABLE.match(line)
        or _RULE.match(line)
        or _FENCE.match(line)
        or _OTHER_BLOCK.match(line)
    )


def _continues(prev: str, nxt: str, width: int, markdown: bool) -> bool:
    """Does ``nxt`` (a plain line, not a block of its own) continue the paragraph line ``prev``?"""
    if markdown and (prev.endswith("  ") or prev.rstrip().endswith("\\")):
        return False  # a Markdown hard line break
    body, first = prev.rstrip(), nxt.split()[0]
    if _LABEL.match(prev) and _LABEL.match(nxt):
        return False  # "Phone: ...\nEmail: ..." is a list of lines
    cannot_start = not (first[0].isupper() or first[0] in "\"'“‘([*_`$€£")
    if cannot_start and first[0].islower():
        return True  # "...the original payment\nmethod within 5 days" (also after "7 a.m.\nto")
    full = width >= MIN_WRAP_WIDTH and len(body) + 1 + len(first) >= FULL_SHARE * width
    if _ENDS_SENTENCE.search(body):
        return full  # a sentence ends at the wrap: same paragraph; a short line ending one: a real break
    return full or (cannot_start and width >= MIN_WRAP_WIDTH)


def soft_breaks(text: str, markdown: bool = True) -> set[int]:
    """Offsets of the ``\\n`` characters in ``text`` that only wrap a paragraph (see the module docstring)."""
    soft: set[int] = set()
    lines = text.splitlines(keepends=True)
    offsets, at = [], 0
    for line in lines:
        offsets.append(at)
        at += len(line)
    fence: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r\n")
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            i += 1
            continue
        if opened:
            fence = opened.group(1)
            i += 1
            continue
        if not line.strip() or (markdown and _CODE_INDENT.match(line) and not _LIST_ITEM.match(line)):
            i += 1
            continue
        # a block: consecutive non-blank lines until a blank line or a fence
        j = i
        while j < len(lines) and lines[j].strip() and not _FENCE.match(lines[j]):
            j += 1
        block = [lines[k].rstrip("\r\n") for k in range(i, j)]
        width = max(len(b.rstrip()) for b in block)
        current = block[0]  # the line the next one may continue
        for k in range(1, len(block)):
            nxt = block[k]
            joinable = not _starts_block(current) or _LIST_ITEM.match(current)
            if joinable and not _starts_block(nxt) and _continues(block[k - 1], nxt, width, markdown):
                newline = offsets[i + k - 1] + len(lines[i + k - 1].rstrip("\n"))  # the "\n" of "\r\n"
                soft.add(newline)
                continue  # the logical line goes on: current stays the line that opened it
            current = nxt
        i = j
    return soft


def unwrap(text: str, markdown: bool = True) -> str:
    """``text`` with its soft line breaks joined: a wrapped paragraph becomes one line.

    The join is a space (trailing spaces and the next line's indentation dropped), or nothing after a
    word broken with a hyphen at the wrap ("card-\\nholder" → "card-holder").
    """
    soft = soft_breaks(text, markdown)
    if not soft:
        return text
    out: list[str] = []
    last = 0
    for newline in sorted(soft):
        head = text[last:newline].rstrip(" \t\r")
        rest = newline + 1
        while rest < len(text) and text[rest] in " \t":
            rest += 1
        hyphen = head.endswith("-") and head[-2:-1].isalpha() and text[rest : rest + 1].islower()
        out.append(head if hyphen else head + " ")
        last = rest
    out.append(text[last:])
    return "".join(out)
