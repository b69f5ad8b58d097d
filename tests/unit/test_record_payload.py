"""Personal data in dictionary keys and in the server's thread, assistant and store records (issue 15.6).

What the server would persist is pseudonymised (keys as well as values), and what the caller reads
back through the response edge is what it wrote.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crewline.graphs.serving.record_payload import record_route, redact_query, redact_record
from crewline.graphs.serving.restore_output import restore_answers
from crewline.graphs.serving.run_payload import redact_run
from crewline.memory.state.store import async_store_for, store_for
from crewline.nodes.guards.reveal import SHOWN, VAULT_KEY
from crewline.nodes.guards.serde import walk_strings
from crewline.nodes.guards.vault import Vault

VAULT = Vault(b"k" * 32)
EMAIL = "jane.doe@example.com"
OTHER = "ops.lead@example.org"
CARD = "4111 1111 1111 1111"


def _raw(obj: object) -> list[str]:
    text = json.dumps(obj)
    return [raw for raw in (EMAIL, OTHER, CARD) if raw in text]


def test_keys_are_pseudonymised_like_values() -> None:
    walked = walk_strings({EMAIL: {"card": CARD}, "plain": [{OTHER: 1}]}, VAULT.redact)
    assert not _raw(walked)
    assert walked["plain"][0] == {VAULT.redact(OTHER): 1}


def test_a_vaults_index_is_not_revealed_by_a_restoring_walk() -> None:
    placeholder = VAULT.placeholder("EMAIL_ADDRESS", EMAIL)
    vault = {placeholder: VAULT.seal(EMAIL)}
    assert walk_strings(vault, lambda s: s.replace(placeholder, EMAIL)) == vault


def test_run_input_and_metadata_keys_are_pseudonymised() -> None:
    body: dict[str, Any] = {
        "assistant_id": "support",
        "input": {"messages": [{"role": "user", "content": "hi"}], "extra": {EMAIL: CARD}},
        "metadata": {OTHER: "reviewer"},
    }
    assert redact_run(body, VAULT, frozenset({"support"}))
    assert not _raw({k: v for k, v in body.items() if k != "input"} | {"input": body["input"]["extra"]})
    plain = {"assistant_id": "knowledge", "input": {EMAIL: "x"}, "metadata": {CARD: 1}}
    redact_run(plain, VAULT, frozenset({"support"}))
    assert not _raw(plain)


def test_thread_metadata_is_stored_as_placeholders_and_read_back_as_written() -> None:
    metadata = {"email": EMAIL, OTHER: "second contact", "plain": "nothing personal"}
    body = {"metadata": dict(metadata)}
    assert record_route("POST", "/threads") == "thread"
    assert redact_record("thread", body, VAULT)
    stored = {k: v for k, v in body["metadata"].items() if k != VAULT_KEY}
    assert not _raw(stored)
    # the vault itself holds only sealed values (AES-GCM, the key lives elsewhere)
    assert not _raw(body["metadata"][VAULT_KEY])
    assert restore_answers({"thread_id": "t", "metadata": body["metadata"]}, VAULT) == {
        "thread_id": "t",
        "metadata": metadata,
    }


def test_a_client_cannot_supply_the_vault_and_a_patch_keeps_the_earlier_entries() -> None:
    first: dict[str, Any] = {"metadata": {"email": EMAIL}}
    redact_record("thread", first, VAULT)
    kept = first["metadata"][VAULT_KEY]
    forged = {VAULT.placeholder("EMAIL_ADDRESS", OTHER): VAULT.seal("eve@example.com", SHOWN)}
    patch = {"metadata": {"second": OTHER, VAULT_KEY: forged}}
    assert record_route("PATCH", "/threads/abc") == "thread_patch"
    redact_record("thread_patch", patch, VAULT, kept)
    merged = {**first["metadata"], **patch["metadata"]}  # the server merges a PATCH's metadata
    assert restore_answers({"metadata": merged}, VAULT) == {"metadata": {"email": EMAIL, "second": OTHER}}


def test_assistant_labels_and_store_items() -> None:
    assistant = {"graph_id": "support", "metadata": {"owner": EMAIL}, "config": {"configurable": {CARD: 1}}}
    assert record_route("POST", "/assistants") == "assistant"
    redact_record("assistant", assistant, VAULT)
    assert not _raw({k: v for k, v in assistant.items() if k != "metadata"})
    assert restore_answers(assistant, VAULT)["metadata"] == {"owner": EMAIL}
    item = {"namespace": ["notes"], "key": EMAIL, "value": {"card": CARD, OTHER: True}}
    assert record_route("PUT", "/store/items") == "store"
    redact_record("store", item, VAULT)
    assert item["key"] == VAULT.redact(EMAIL) and not _raw(item["key"])
    assert restore_answers(item, VAULT)["value"] == {"card": CARD, OTHER: True}
    # a read by the raw key finds the item: the query's key is written the same way
    query = redact_query(f"namespace=notes&key={EMAIL}".encode(), VAULT).decode()
    assert EMAIL not in query and "notes" in query
    assert record_route("GET", "/store/items") == "store_query"
    assert record_route("GET", "/threads/abc") is None


def test_a_crew_store_holds_placeholders_and_finds_by_raw_key(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    with store_for(f"sqlite:///{path}") as store:
        store.put(("crm",), EMAIL, {"card": CARD, OTHER: "second contact"})
        item = store.get(("crm",), EMAIL)  # the raw key finds what was written under it
        assert item is not None and item.key != EMAIL and not _raw(item.key)
        assert not _raw(item.value)  # the crew reads placeholders, as its state holds
        assert [i.key for i in store.search(("crm",), filter={"card": CARD})] == [item.key]
    assert not [raw for raw in (EMAIL, OTHER, CARD) if raw.encode() in path.read_bytes()]
    with store_for(f"sqlite:///{path}", pseudonymise=False) as raw_store:
        assert raw_store.get(("crm",), EMAIL) is None  # nothing was stored under the raw key


async def test_the_async_store_pseudonymises_too(tmp_path: Path) -> None:
    async with async_store_for(f"sqlite:///{tmp_path / 'store.sqlite'}") as store:
        await store.aput(("crm",), "k", {EMAIL: CARD})
        item = await store.aget(("crm",), "k")
        assert item is not None and not _raw(item.value)
