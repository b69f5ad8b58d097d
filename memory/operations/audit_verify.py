"""Verifying an audit log: walk the chain entry by entry, then check the head row and the anchors.

Split from :mod:`crewline.memory.operations.audit` (``AuditLog.verify`` calls :func:`verify_log`;
``Verification`` is re-exported there): what each problem means and which entry it names is the
threat model of that module's docstring, checked here.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crewline.memory.operations.audit_anchor import Anchor, AnchorError, read_anchor
from crewline.memory.operations.audit_entry import GENESIS, HASH_PREFIX, HASHED_FIELDS

if TYPE_CHECKING:  # the log imports this module to verify itself
    from crewline.memory.operations.audit import AuditLog

__all__ = ["Verification", "verify_log"]


@dataclass
class Verification:
    """The result of walking the chain: ``ok`` only if every entry, the head row and the anchors
    check out. ``problems`` start with the first bad entry; ``caveat`` says what an intact log still
    cannot vouch for (old-format entries)."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)
    caveat: str | None = None
    anchored: int = 0  # the newest entry an anchor vouches for

    @property
    def ok(self) -> bool:
        return not self.problems


class _Walk:
    """The chain walked entry by entry (resumable: entries committed during a verify are walked on)."""

    def __init__(self, log: AuditLog, log_id: str | None, wanted: Iterable[int]) -> None:
        self.log, self.log_id = log, log_id
        self.result = Verification()
        self.last, self.prev = 0, GENESIS
        self.legacy_end = 0  # the last old-format entry of the prefix they must form
        self.first_keyed: tuple[int, str] | None = None  # (seq, ts) of the first keyed entry
        self.hashes: dict[int, str] = dict.fromkeys(wanted, "")

    def problem(self, text: str) -> None:
        self.result.problems.append(text)

    def step(self, row: Sequence[Any]) -> None:
        values = dict(zip((*HASHED_FIELDS, "hash"), row, strict=True))
        seq, digest = int(values["seq"]), str(values["hash"])
        self.result.checked += 1
        if seq != self.last + 1:
            gap = f"entry {self.last + 1}" if seq == self.last + 2 else f"entries {self.last + 1}-{seq - 1}"
            self.problem(f"entry {self.last + 1}: missing ({gap} deleted, or entries reordered)")
        if values["prev_hash"] != self.prev:
            self.problem(
                f"entry {seq}: does not link to the entry before it (entries deleted, moved or replaced)"
            )
        if digest.startswith(HASH_PREFIX):
            if self.log_id is None:
                self.problem(f"entry {seq}: the log's id is missing, so no keyed entry can be checked")
            elif not hmac.compare_digest(digest, self.log.entry_hash(values, log_id=self.log_id)):
                self.problem(f"entry {seq}: contents do not match its hash (rewritten, or another audit key)")
            if self.first_keyed is None:
                self.first_keyed = (seq, str(values["ts"]))
        elif self.first_keyed is not None:
            self.problem(f"entry {seq}: an old-format hash after keyed entries (rewritten, downgraded)")
        else:
            self.legacy_end = seq
            if digest not in self.log.legacy_hashes(values):
                self.problem(f"entry {seq}: contents do not match its hash (modified)")
        if seq in self.hashes:
            self.hashes[seq] = digest
        self.last, self.prev = seq, digest


def verify_log(log: AuditLog, anchors: Sequence[Path] = ()) -> Verification:
    """Walk the whole chain, then check the head row, this log's anchor and any exported
    ``anchors``; every problem found is one line in ``problems``, the first bad entry first."""
    rows, head, log_id = log.snapshot()
    local, local_problem = _local_anchor(log, log_id)  # read after the snapshot: never behind it
    exported: list[Anchor] = []
    problems: list[str] = [local_problem] if local_problem else []
    for path in anchors:
        try:
            exported.append(read_anchor(path))
        except (OSError, AnchorError) as exc:
            problems.append(f"the anchor {path} cannot be read: {exc}")
    usable = [a for a in ([local] if local else []) + exported if _genuine(log, a, log_id, problems)]
    walk = _Walk(log, log_id, (a.seq for a in usable))
    for row in rows:
        walk.step(row)
    _check_head(walk, head)
    if any(a.seq > walk.last for a in usable):  # committed since the snapshot, or deleted?
        log.wait_for_writers()
        for row in log.rows_after(walk.last):
            walk.step(row)
    for anchor in usable:
        _check_anchor(walk, anchor, head, is_local=anchor is local)
    result = walk.result
    result.problems += problems
    if local is None and walk.first_keyed is not None and not local_problem:
        result.problems.append(
            f"entry {walk.last}: no anchor for this log at {log.anchors.path(log_id or '?')}: "
            "deletion of the newest entries cannot be ruled out (copy it from the writing host, or "
            "pass an exported one with --anchor)"
        )
    for other in log.anchors.others_for(log.identity, log_id or ""):
        result.problems.append(
            f"entry {other.seq}: missing: the anchor {other.path} says the log here had reached entry "
            f"{other.seq} on {other.ts}, but the log here is another one (wiped or recreated)"
        )
    result.problems.sort(key=_entry_named)  # the first bad entry first; log-wide problems before
    result.anchored = max((a.seq for a in usable), default=0)
    result.caveat = _caveat(walk)
    return result


def _local_anchor(log: AuditLog, log_id: str | None) -> tuple[Anchor | None, str | None]:
    if log_id is None:
        return None, None
    try:
        return log.anchors.read(log_id), None
    except (OSError, AnchorError) as exc:
        return None, f"the anchor cannot be read: {exc}"


def _genuine(log: AuditLog, anchor: Anchor, log_id: str | None, problems: list[str]) -> bool:
    if not log.signed(anchor):
        problems.append(
            f"the anchor {anchor.path} is not signed with this log's key (forged, or another key)"
        )
        return False
    if anchor.log_id != log_id:
        problems.append(f"the anchor {anchor.path} belongs to another log ({anchor.log_id})")
        return False
    return True


def _check_head(walk: _Walk, head: list[Any]) -> None:
    if not head:
        walk.problem("the head row is missing (deleted)")
        return
    seq, digest = int(head[0][0]), str(head[0][1])
    if seq > walk.last:
        walk.problem(f"entry {walk.last + 1}: missing: the head row says the log ends at entry {seq}")
    elif seq < walk.last:
        walk.problem(
            f"entry {seq + 1}: past the head row, which says the log ends at entry {seq} (head rewritten)"
        )
    elif digest != walk.prev:
        walk.problem(f"entry {seq}: its hash is not the head row's (head rewritten)")


def _check_anchor(walk: _Walk, anchor: Anchor, head: list[Any], *, is_local: bool) -> None:
    if anchor.seq > walk.last:
        walk.problem(
            f"entry {walk.last + 1}: missing: the anchor {anchor.path.name} vouches for entries up to "
            f"{anchor.seq} (written {anchor.ts}), the log ends at entry {walk.last} "
            "(newest entries deleted)"
        )
    elif anchor.seq and walk.hashes.get(anchor.seq) != anchor.hash:
        walk.problem(
            f"entry {anchor.seq}: not the entry the anchor {anchor.path.name} vouches for (log rewritten "
            "or replaced)"
        )
    head_seq = int(head[0][0]) if head else walk.last
    if is_local and anchor.seq < head_seq:
        walk.problem(
            f"entry {anchor.seq + 1}: newer than the anchor (entry {anchor.seq}, written {anchor.ts}): "
            "the anchor file is older than the log (an old copy put back, or its last writes lost)"
        )


def _caveat(walk: _Walk) -> str | None:
    if not walk.legacy_end:
        return None
    old = f"entries 1-{walk.legacy_end}" if walk.legacy_end > 1 else "entry 1"
    if walk.first_keyed is None:
        return (
            f"{old} are in the old, unanchored format: the chain is consistent, but anyone who could "
            "write the database could have rewritten or truncated it; new entries are keyed and anchored"
        )
    seq, ts = walk.first_keyed
    return (
        f"{old} are in the old format: vouched for as they stood when keyed entry {seq} was chained "
        f"after them ({ts}), not before"
    )


_ENTRY_NAMED = re.compile(r"entry (\d+)")


def _entry_named(problem: str) -> int:
    """The entry a problem line names (0 for one about the log as a whole)."""
    found = _ENTRY_NAMED.match(problem)
    return int(found.group(1)) if found else 0
