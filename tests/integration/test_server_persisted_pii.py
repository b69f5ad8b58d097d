"""Issue 15.6: no planted personal value in anything a real ``langgraph dev`` server persists.

Distinct e-mail addresses, phone numbers and card numbers are planted where a client can put them:
run input keys and values, run metadata keys, thread metadata (created and patched), assistant
metadata and config, store item keys and values, and a crew run whose tool returns a customer's
contact details, and a graph whose node writes a customer record to ``runtime.store``
(``store_writer_graph``). The caller reads its own records back as it wrote them. Then the server stops (the
in-memory runtime writes ``.langgraph_api/*.pckl`` on shutdown) and every file under its working
directory and its data directory is searched for every planted value: raw bytes, and each SQLite
database's tables row by row, decoded.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_sync_client

from tests.integration import store_writer_graph
from tests.integration.langgraph_server import REPO_ROOT, langgraph_server, server_config

pytestmark = pytest.mark.server

GRAPH_ID = "support"
TOOL_EMAIL = "ada.quill@example.com"  # customer C-1001's contact in the demo ERP (its system of record)
PLANTED = {
    "input value": "mila.input@example.com",
    "input key": "kai.inputkey@example.net",
    "input key card": "5500 0000 0000 0004",
    "run metadata key": "rhea.runmeta@example.org",
    "run metadata value": "+1 415 555 0134",
    "thread metadata": "tom.thread@example.com",
    "thread metadata key": "4012 8888 8888 1881",
    "thread metadata patch": "+44 20 7946 0958",
    "assistant metadata": "asha.assistant@example.com",
    "assistant config": "+1 212 555 0187",
    "assistant metadata patch": "noor.assistantpatch@example.net",
    "thread state": "omar.statewrite@example.com",
    "store key": "sam.storekey@example.com",
    "store value": "3782 822463 10005",
    "store value key": "zoe.storevaluekey@example.org",
}
GRAPH_STORED = store_writer_graph.CONTACTS["C-7001"]
# the ERP file is the tool's own data (what the crew reads from), not a record the server made
SYSTEM_OF_RECORD = ("erp",)


@dataclass
class Persisted:
    read_back: dict[str, Any] = field(default_factory=dict)
    who_answer: str = ""
    graph_found: bool = False
    found: dict[str, list[str]] = field(default_factory=dict)  # planted value -> files holding it
    scanned: list[str] = field(default_factory=list)


def _request(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def _variants(value: str) -> set[str]:
    return {value, value.replace(" ", ""), value.replace(" ", "-")}


def _sqlite_text(path: Path) -> bytes:
    """Every table's rows, each value decoded (text as it is, blobs as UTF-8)."""
    parts: list[bytes] = []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    parts.append(value if isinstance(value, bytes) else str(value).encode())
    return b"\n".join(parts)


def _scan(roots: list[Path], planted: dict[str, str], result: Persisted) -> None:
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.name == "server.log":  # the server's own console log, not a record it keeps
                continue
            content = path.read_bytes()
            if content.startswith(b"SQLite format 3"):
                content += _sqlite_text(path)
            result.scanned.append(str(path.relative_to(root.parent)))
            for name, value in planted.items():
                if name == "tool" and any(part in path.name for part in SYSTEM_OF_RECORD):
                    continue
                if any(v.encode() in content for v in _variants(value)):
                    result.found.setdefault(name, []).append(path.name)


@pytest.fixture(scope="module")
def persisted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Persisted]:
    result = Persisted()
    p = PLANTED
    base = tmp_path_factory.mktemp("langgraph-server-persisted-pii")
    # the repository's config plus the store-writing graph (paths absolute: used from another dir)
    config = server_config(REPO_ROOT)
    config["graphs"]["store_writer"] = f"{Path(store_writer_graph.__file__).resolve()}:graph"
    root = base / "config"
    root.mkdir()
    (root / "langgraph.json").write_text(json.dumps(config))
    with langgraph_server(base, repo_root=root) as server:
        client = get_sync_client(url=server.url, timeout=60)
        try:
            thread = client.threads.create(
                metadata={"contact": p["thread metadata"], p["thread metadata key"]: "card on file"}
            )["thread_id"]
            client.threads.update(thread, metadata={"phone": p["thread metadata patch"]})
            result.read_back["thread"] = dict(client.threads.get(thread))["metadata"]
            found = client.threads.search(metadata={"contact": p["thread metadata"]})
            result.read_back["search"] = [t["thread_id"] for t in found]
            assistant = client.assistants.create(
                graph_id=GRAPH_ID,
                metadata={"contact": p["assistant metadata"]},
                config={"configurable": {"escalation_phone": p["assistant config"]}},
            )
            assistant_id = assistant["assistant_id"]
            client.assistants.update(assistant_id, metadata={"backup": p["assistant metadata patch"]})
            result.read_back["assistant"] = dict(client.assistants.get(assistant_id))["metadata"]
            listed = client.assistants.search(metadata={"contact": p["assistant metadata"]})
            result.read_back["assistant search"] = [a["assistant_id"] for a in listed]
            request = f"My email is {p['input value']}. What is the balance for customer C-1001?"
            run_input: dict[str, Any] = {
                "messages": [{"role": "user", "content": request}],
                "notes": {p["input key"]: "x", p["input key card"]: "y"},
            }
            client.runs.wait(
                thread,
                GRAPH_ID,
                input=run_input,
                metadata={p["run metadata key"]: "reviewer", "callback": p["run metadata value"]},
            )
            client.threads.update_state(thread, {"answer": f"Write to {p['thread state']}."})
            who = client.threads.create()["thread_id"]
            out = client.runs.wait(who, GRAPH_ID, input=_request("Who is customer C-1001?"))
            result.who_answer = str(dict(out).get("answer", ""))  # type: ignore[arg-type]
            value = {"card": p["store value"], p["store value key"]: "a key that is an address"}
            client.store.put_item(["notes"], key=p["store key"], value=value)
            item = client.store.get_item(["notes"], key=p["store key"])
            result.read_back["store"] = dict(item)["value"] if item else None
            writer = client.threads.create()["thread_id"]
            wrote = client.runs.wait(writer, "store_writer", input={"customer_id": "C-7001"})
            result.graph_found = bool(dict(wrote).get("found"))  # type: ignore[arg-type]
        finally:
            client.http.client.close()
    graph_stored = {f"graph store {k}": v for k, v in GRAPH_STORED.items()}
    _scan([server.work_dir, server.data_dir], {**PLANTED, **graph_stored, "tool": TOOL_EMAIL}, result)
    yield result


def test_the_caller_reads_back_what_it_wrote(persisted: Persisted) -> None:
    p = PLANTED
    assert persisted.read_back["thread"] == {
        "contact": p["thread metadata"],
        p["thread metadata key"]: "card on file",
        "phone": p["thread metadata patch"],
        **{k: v for k, v in persisted.read_back["thread"].items() if k in ("owner", "tenant_id", "user_id")},
    }
    assert len(persisted.read_back["search"]) == 1  # a search by the raw value still finds the thread
    assert persisted.read_back["assistant"]["contact"] == p["assistant metadata"]  # kept by the PATCH
    assert persisted.read_back["assistant"]["backup"] == p["assistant metadata patch"]
    assert len(persisted.read_back["assistant search"]) == 1
    assert persisted.read_back["store"] == {
        "card": p["store value"],
        p["store value key"]: "a key that is an address",
    }
    assert TOOL_EMAIL in persisted.who_answer  # the tool's value is still shown to the user
    assert persisted.graph_found  # a graph reads back by the raw key what it wrote under it


def test_no_persisted_file_or_table_holds_a_planted_value(persisted: Persisted) -> None:
    assert any(".langgraph_api" in name for name in persisted.scanned), persisted.scanned
    assert any(name.endswith(".sqlite") for name in persisted.scanned), persisted.scanned
    assert persisted.found == {}, persisted.found
