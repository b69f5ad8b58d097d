"""Tamper detection of the audit log: random attacks by someone with write access to its database.

Builds a log of ``--entries`` entries (a fresh data directory holds its key and anchor), then, for
each kind of attack, ``--trials`` times: puts the pristine log back, applies one random attack, and
runs ``verify()``. Prints the detection rate per kind (target: 100 %) and the false alarms on the
untouched log (target: 0). Attacks with database write access only:

- ``field``: one column of one random entry changed (any of seq, ts, actor, tenant_id, action,
  thread_id, detail, prev_hash, hash);
- ``recompute``: one random entry rewritten and every hash after it recomputed, with plain SHA-256
  (the old format) or an HMAC under a guessed key, and the head row set to match;
- ``delete``: one random entry deleted; half the time the later entries renumbered and relinked and
  the head row fixed, as far as one can without the key;
- ``truncate``: the newest 1..N entries deleted and the head row set to the last remaining row;
- ``reorder``: two random entries swapped;
- ``head``: the head row set to an earlier entry, a wrong hash, or a seq past the end.

And with write access to the anchor file too (not the key): ``anchor rollback`` puts back an anchor
from earlier in the log's life. ``rollback + truncate`` also truncates the log to match it: one host
cannot see that (the documented limit), an anchor exported earlier can; both rates are printed.

    python -m crewline.evals.benchmarks.audit_tamper [--trials 200] [--entries 30] [--seed 7]
    python -m crewline.evals.benchmarks.audit_tamper --url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import secrets
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

COLUMNS = ("seq", "ts", "actor", "tenant_id", "action", "thread_id", "detail", "prev_hash", "hash")
HASHED = COLUMNS[:-1]
GENESIS = "0" * 64


class Database:
    """Raw SQL on the log's tables, as the attacker has it (no crewline code involved)."""

    def __init__(self, url: str) -> None:
        self.postgres = not url.startswith("sqlite:///")
        if self.postgres:
            import psycopg

            self.conn: Any = psycopg.connect(url, autocommit=True)
        else:
            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        cursor = self.conn.execute(sql.replace("?", "%s") if self.postgres else sql, params)
        return list(cursor.fetchall()) if cursor.description else []

    def rows(self) -> list[dict[str, Any]]:
        found = self.run(f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY seq")
        return [dict(zip(COLUMNS, row, strict=True)) for row in found]

    def restore(self, rows: list[dict[str, Any]], head: tuple[int, str]) -> None:
        self.run("BEGIN")
        self.run("DELETE FROM audit_log")
        for row in rows:
            self.run(f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                     tuple(row[c] for c in COLUMNS))  # fmt: skip
        self.run("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", head)
        self.run("COMMIT")

    def set_head(self, seq: int, digest: str) -> None:
        self.run("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, digest))

    def update(self, where_seq: int, /, **values: Any) -> None:
        assignments = ", ".join(f"{column} = ?" for column in values)
        self.run(f"UPDATE audit_log SET {assignments} WHERE seq = ?", (*values.values(), where_seq))


def _legacy_hash(values: dict[str, Any]) -> str:
    payload = json.dumps(
        [values[c] for c in HASHED], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _changed(rng: random.Random, column: str, value: Any, last: int) -> Any:
    if column == "seq":
        return last + rng.randint(1, 1000)
    if column == "detail":
        data = json.loads(value)
        data["note"] = "nothing to see " + secrets.token_hex(2)
        return json.dumps(data, sort_keys=True, separators=(",", ":"))
    if column in ("prev_hash", "hash"):
        return ("v2:" if str(value).startswith("v2:") else "") + secrets.token_hex(32)
    if value is None:
        return "x-" + secrets.token_hex(2)
    return rng.choice([None, str(value) + "x"]) if column in ("tenant_id", "thread_id") else str(value) + "x"


class Attacks:
    """Each attack changes the database (and maybe the anchor file) of a pristine log."""

    def __init__(self, db: Database, log: Any, rng: random.Random, anchors: list[bytes]) -> None:
        self.db, self.log, self.rng, self.anchors = db, log, rng, anchors

    def field(self) -> None:
        rows = self.db.rows()
        row, column = self.rng.choice(rows), self.rng.choice(COLUMNS)
        self.db.update(row["seq"], **{column: _changed(self.rng, column, row[column], len(rows))})

    def recompute(self) -> None:
        from crewline.memory.operations.audit import AuditLog

        rows = self.db.rows()
        start = self.rng.randrange(len(rows))
        guess = AuditLog(self.log.url, key=secrets.token_bytes(32)) if self.rng.random() < 0.5 else None
        prev = rows[start - 1]["hash"] if start else GENESIS
        for index, row in enumerate(rows[start:]):
            values = dict(row, prev_hash=prev)
            if index == 0:
                values["actor"] = "someone-else"
            prev = guess.entry_hash(values) if guess else _legacy_hash(values)
            self.db.update(row["seq"], actor=values["actor"], prev_hash=values["prev_hash"], hash=prev)
        self.db.set_head(rows[-1]["seq"], prev)

    def delete(self) -> None:
        rows = self.db.rows()
        k = self.rng.randrange(len(rows))
        self.db.run("DELETE FROM audit_log WHERE seq = ?", (rows[k]["seq"],))
        if self.rng.random() < 0.5:  # close the gap as well as one can without the key
            later = rows[k + 1 :]
            for index, row in enumerate(later):
                values: dict[str, Any] = {"seq": row["seq"] - 1}
                if index == 0:
                    values["prev_hash"] = rows[k - 1]["hash"] if k else GENESIS
                self.db.update(row["seq"], **values)
            last = later[-1] if later else (rows[k - 1] if k else None)
            self.db.set_head(len(rows) - 1, last["hash"] if last else GENESIS)

    def truncate(self) -> None:
        rows = self.db.rows()
        keep = self.rng.randrange(len(rows))
        self.db.run("DELETE FROM audit_log WHERE seq > ?", (keep,))
        self.db.set_head(keep, rows[keep - 1]["hash"] if keep else GENESIS)

    def reorder(self) -> None:
        rows = self.db.rows()
        a, b = self.rng.sample(range(len(rows)), 2)
        sa, sb = rows[a]["seq"], rows[b]["seq"]
        self.db.update(sa, seq=-1)
        self.db.update(sb, seq=sa)
        self.db.update(-1, seq=sb)

    def head(self) -> None:
        rows = self.db.rows()
        choice = self.rng.randrange(3)
        if choice == 0:
            row = self.rng.choice(rows[:-1])
            self.db.set_head(row["seq"], row["hash"])
        elif choice == 1:
            self.db.set_head(rows[-1]["seq"], "v2:" + secrets.token_hex(32))
        else:
            self.db.set_head(rows[-1]["seq"] + self.rng.randint(1, 5), rows[-1]["hash"])

    def anchor_rollback(self) -> None:
        path = self.log.anchors.path(self.log.log_id)
        path.write_bytes(self.rng.choice(self.anchors[:-1]))

    def rollback_and_truncate(self) -> None:
        rows = self.db.rows()
        keep = self.rng.randrange(1, len(rows))
        self.log.anchors.path(self.log.log_id).write_bytes(self.anchors[keep - 1])
        self.db.run("DELETE FROM audit_log WHERE seq > ?", (keep,))
        self.db.set_head(keep, rows[keep - 1]["hash"])


def _fresh_schema(url: str) -> tuple[str, Callable[[], None]]:
    """A PostgreSQL URL confined to a new schema (dropped afterwards): the benchmark's tables only."""
    import psycopg

    schema = f"crewline_audit_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")  # type: ignore[arg-type]

    def drop() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")  # type: ignore[arg-type]

    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}", drop


def run(url: str | None, trials: int, entries: int, seed: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="crewline-audit-bench-"))
    os.environ["CREWLINE_DATA_DIR"] = str(workdir / "data")
    for name in ("CREWLINE_AUDIT_KEY", "CREWLINE_AUDIT_ANCHOR_DIR"):
        os.environ.pop(name, None)
    from crewline.memory.operations.audit import AuditLog

    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    if url is None:
        url = f"sqlite:///{workdir / 'audit.sqlite'}"
    elif url.startswith(("postgresql://", "postgres://")):
        url, cleanup = _fresh_schema(url)
    try:
        log = AuditLog(url)
        anchors: list[bytes] = []
        for i in range(entries):
            log.append(
                ("run.create", "guard.verdicts", "escalation.approval")[i % 3],
                actor=f"user-{i % 4}",
                tenant_id="acme" if i % 2 else None,
                thread_id=f"thread-{i // 3}" if i % 3 else None,
                detail={"i": i, "note": f"step {i}"},
            )
            anchors.append(log.anchors.path(log.log_id).read_bytes())
        db = Database(url)
        pristine, head, anchor = db.rows(), log.head(), anchors[-1]
        exported = workdir / "exported-anchor.json"
        exported.write_bytes(anchor)
        rng = random.Random(seed)
        attacks = Attacks(db, log, rng, anchors)
        kinds: dict[str, Callable[[], None]] = {
            "field": attacks.field,
            "recompute": attacks.recompute,
            "delete": attacks.delete,
            "truncate": attacks.truncate,
            "reorder": attacks.reorder,
            "head": attacks.head,
            "anchor rollback": attacks.anchor_rollback,
            "rollback + truncate": attacks.rollback_and_truncate,
        }
        results: dict[str, Any] = {}
        false_alarms = 0
        for kind, attack in kinds.items():
            detected = with_export = 0
            for _ in range(trials):
                db.restore(pristine, head)
                log.anchors.path(log.log_id).write_bytes(anchor)
                false_alarms += not log.verify().ok
                attack()
                detected += not log.verify().ok
                with_export += not log.verify(anchors=[exported]).ok
            results[kind] = {"trials": trials, "detected": detected, "with_exported_anchor": with_export}
        db.conn.close()
        log.close()
        backend = "postgresql" if db.postgres else "sqlite"
        return {"backend": backend, "entries": entries, "results": results, "false_alarms": false_alarms,
                "controls": trials * len(kinds)}  # fmt: skip
    finally:
        cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="attacks per kind (default 200)")
    parser.add_argument("--entries", type=int, default=30, help="entries in the log (default 30)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--url", help="postgresql://... (a schema of its own is made); default: SQLite")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.trials < 1 or args.entries < 3:
        parser.error("--trials must be at least 1 and --entries at least 3")
    report = run(args.url, args.trials, args.entries, args.seed)
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"audit tamper detection, {report['backend']}, log of {report['entries']} entries")
    print(f"{'attack':<22}{'detected':>12}{'rate':>9}{'with exported anchor':>24}")
    for kind, result in report["results"].items():
        n, found, exported = result["trials"], result["detected"], result["with_exported_anchor"]
        print(f"{kind:<22}{f'{found}/{n}':>12}{found / n:>9.1%}{f'{exported}/{n} ({exported / n:.0%})':>24}")
    print(f"false alarms on the untouched log: {report['false_alarms']}/{report['controls']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
