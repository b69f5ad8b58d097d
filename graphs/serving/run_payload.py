"""What a run-creating request body becomes at crewline's server edge (see
:mod:`crewline.graphs.serving.redact_input`, the middleware that applies it).

A crew's run (its graph id, default assistant or an API-created assistant running it) gets keyed
placeholders in every string of its input, command (resume, update, goto sends), metadata, config and
context, the sealed originals of its input in ``input.request_vault`` and of its command in the
update's ``pii_vault``; vault entries the client wrote itself are dropped, as are its debugging
stops. Any other graph's run gets plain placeholders, nothing sealed. A crew's input that no crew
could take (not an object, or ``messages`` that are no messages) is refused first, in one line
(:func:`input_problem`), instead of failing the run with a message several lines long.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.messages import convert_to_messages

from crewline.json_input import deeper_than
from crewline.nodes.guards.pii import detect_pii
from crewline.nodes.guards.serde import walk_strings
from crewline.nodes.guards.vault import Vault

__all__ = ["MAX_DEPTH", "assistant_ids", "deeper_than", "input_problem", "redact_run", "sealing"]

_VAULT_KEYS = ("request_vault", "pii_vault", "answer_vault")
# debugging stops a client may set: a stop before the output guard would leave a tool's values in the
# state the server snapshots into its thread record
_CLIENT_STOPS = ("interrupt_before", "interrupt_after")
# a run's labels and settings: the server records them with the run and LangGraph copies them into
# checkpoint metadata (the crew reads only the identity the auth handler writes in after this edge)
_LABELS = ("metadata", "config", "context")
# pseudonymisation walks this deep (crewline.nodes.guards.serde); a deeper request is refused, not recorded
MAX_DEPTH = 48
_MESSAGE_SHAPE = 'a message is text, {"role": "user", "content": "..."} or ["user", "..."]'
_INPUT_SHAPE = '{"messages": [{"role": "user", "content": "..."}]}'


def sealing(vault: Vault, entries: dict[str, str]) -> Callable[[str], str]:
    """A text's personal data as placeholders, the sealed originals added to ``entries``."""

    def seal(text: str) -> str:
        spans = detect_pii(text)
        if not spans:
            return text
        redacted, sealed = vault.pseudonymise(text, spans)
        entries.update(sealed)
        return redacted

    return seal


def _drop_client_vaults(update: Any) -> tuple[Any, bool]:
    """``update`` without vault entries a client wrote itself: only this edge and the graph seal."""
    if isinstance(update, dict):
        kept = {k: v for k, v in update.items() if k not in _VAULT_KEYS}
        return kept, len(kept) != len(update)
    if isinstance(update, list):  # [[key, value], ...], as Command.update also accepts
        pairs = [p for p in update if not (isinstance(p, list | tuple) and p and p[0] in _VAULT_KEYS)]
        return pairs, len(pairs) != len(update)
    return update, False


def _with_vault(update: Any, sealed: dict[str, str]) -> Any:
    if update is None:
        return {"pii_vault": sealed}
    if isinstance(update, dict):
        return {**update, "pii_vault": sealed}
    return [*update, ["pii_vault", sealed]]


def _redact_payload(payload: dict[str, Any], vault: Vault, graphs: frozenset[str]) -> bool:
    """Rewrite one run payload in place (see :func:`_redact_plainly` for a graph that is no crew).

    Every string of ``input`` is pseudonymised (messages in any shape LangGraph accepts: a string,
    one message, pairs, earlier turns); the sealed originals go along as ``input.request_vault`` for
    the input guard. In a ``command``, ``resume``, ``update`` and the inputs of ``goto`` sends are
    pseudonymised and their originals merged into the thread's ``pii_vault`` through the update, so
    the crew can show an edit. The run's ``metadata``, ``config`` and ``context`` get plain
    placeholders (see ``_LABELS``). A client's ``interrupt_before`` / ``interrupt_after`` are dropped
    (see ``_CLIENT_STOPS``).
    """
    if str(payload.get("assistant_id", "")) not in graphs:
        _redact_plainly(payload, vault)
        return True
    for stop in _CLIENT_STOPS:
        payload.pop(stop, None)
    for labels in _LABELS:  # recorded with the run (and copied into checkpoint metadata); no node
        if labels in payload:  # reads their personal data, so plain placeholders, nothing sealed
            payload[labels] = walk_strings(payload[labels], vault.redact)
    run_input = payload.get("input")
    if isinstance(run_input, dict):
        entries: dict[str, str] = {}
        run_input = walk_strings(_drop_client_vaults(run_input)[0], sealing(vault, entries))
        payload["input"] = {**run_input, "request_vault": entries} if entries else run_input
    elif run_input is not None:  # no input a crew accepts (the run fails), but the server records it
        payload["input"] = walk_strings(run_input, vault.redact)
    command = payload.get("command")
    if isinstance(command, dict):
        update = _drop_client_vaults(command.get("update"))[0]
        sealed: dict[str, str] = {}
        resume = walk_strings(command.get("resume"), sealing(vault, sealed))
        update = walk_strings(update, sealing(vault, sealed))
        goto = _sealed_goto(command.get("goto"), sealing(vault, sealed))
        if "goto" in command:  # rewritten whatever it held: a send's vault keys go
            command["goto"] = goto
        if sealed and (update is None or isinstance(update, dict | list)):
            if "resume" in command:
                command["resume"] = resume
            update = _with_vault(update, sealed)
        if update is not None or "update" in command:
            command["update"] = update
    return True


def _redact_plainly(payload: dict[str, Any], vault: Vault) -> None:
    """Another graph's run: placeholders in its input, command and labels, nothing sealed."""
    for key in ("input", "command", *_LABELS):
        if key in payload:
            payload[key] = walk_strings(payload[key], vault.redact)


def _sealed_goto(goto: Any, seal: Callable[[str], str]) -> Any:
    """``command.goto`` with the ``input`` of each ``Send`` (``{"node", "input"}``) pseudonymised; node
    names stay as they are."""
    if isinstance(goto, list):
        return [_sealed_goto(item, seal) for item in goto]
    if isinstance(goto, dict) and "input" in goto:  # a send's input is a state update too
        return {**goto, "input": walk_strings(_drop_client_vaults(goto["input"])[0], seal)}
    return goto


def _payloads(parsed: Any) -> list[dict[str, Any]]:
    """The run payloads of a parsed request body (a batch is a list)."""
    return [p for p in (parsed if isinstance(parsed, list) else [parsed]) if isinstance(p, dict)]


def assistant_ids(parsed: Any) -> set[str]:
    """The ``assistant_id`` of each run payload of a parsed request body."""
    return {str(p["assistant_id"]) for p in _payloads(parsed) if p.get("assistant_id")}


def redact_run(parsed: Any, vault: Vault, graphs: frozenset[str]) -> bool:
    """Pseudonymise the run input of a parsed request body in place; True when it held a run."""
    return any([_redact_payload(payload, vault, graphs) for payload in _payloads(parsed)])


def _kind(value: Any) -> str:
    """A JSON value's type, as a client would name it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def _message_problem(item: Any, where: str) -> str | None:
    if isinstance(item, dict) and "content" in item and not isinstance(item["content"], str | list):
        return f"{where}.content must be text or a list of content blocks, not {_kind(item['content'])}"
    try:
        convert_to_messages([item])  # what the crew's add_messages does with it
    except (ValueError, TypeError, NotImplementedError):
        # said in the shape's words: LangChain's own message repeats the item, personal data included
        return f"{where} is not a message ({_message_shape_fault(item)}); {_MESSAGE_SHAPE}"
    return None


def _message_shape_fault(item: Any) -> str:
    """What is wrong with a message the crew cannot take, naming no value of it."""
    if isinstance(item, dict):
        if "role" not in item and "type" not in item:
            return "it has no role"
        if "content" not in item:
            return "it has no content"
        return "its role is not one of user, assistant, system, tool"
    if isinstance(item, list | tuple):
        return "a pair is [role, text] with a known role"
    return f"it is {_kind(item)}"


def _crew_input_problem(run_input: Any) -> str | None:
    if run_input is None:  # no input: a resume, or running on from the latest checkpoint
        return None
    if not isinstance(run_input, dict):
        return f"input must be an object such as {_INPUT_SHAPE}, not {_kind(run_input)}"
    if "messages" not in run_input:
        return None
    messages = run_input["messages"]
    if not isinstance(messages, list):  # one message on its own
        return _message_problem(messages, "input.messages")
    for index, item in enumerate(messages):
        problem = _message_problem(item, f"input.messages[{index}]")
        if problem:
            return problem
    return None


def input_problem(parsed: Any, graphs: frozenset[str], objects: frozenset[str] = frozenset()) -> str | None:
    """Why a run in a parsed request body has an input its graph cannot take (one line), or None:
    a crew's (``graphs``) must be an object with messages; any other ``StateGraph``'s (``objects``)
    an object. Runs of other graphs (LangGraph's functional API takes any JSON) are theirs to judge."""
    for payload in _payloads(parsed):
        assistant, run_input = str(payload.get("assistant_id", "")), payload.get("input")
        if assistant in graphs:
            problem = _crew_input_problem(run_input)
        elif assistant in objects and not (run_input is None or isinstance(run_input, dict)):
            problem = f"input must be an object (this graph's state fields), not {_kind(run_input)}"
        else:
            problem = None
        if problem:
            return problem
    return None
