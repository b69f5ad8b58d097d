"""Personal data a request's tools returned: shown to the user, stored as placeholders; leaks stay hidden."""

from __future__ import annotations

from crewline.nodes.guards import GuardSettings, PiiSettings, check_output
from crewline.nodes.guards.disclosure import (
    protect_answer,
    pseudonymise_tool_output,
    split_disclosures,
    tool_outputs,
)
from crewline.nodes.guards.vault import Vault
from crewline.nodes.types import Source, SubtaskResult

VAULT = Vault(b"k" * 32)
TOOL_EMAIL = "ada.quill@example.com"
TOOL_PHONE = "+1-503-555-0142"
OTHER_EMAIL = "someone.else@example.org"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
TOOL_SUMMARY = f"Customer C-1001 is Ada Quill. Contact: {TOOL_EMAIL}, {TOOL_PHONE}."


def _result(answer: str, *, path: str = "offline", status: str = "done", tool: str | None = "get_customer",
            sources: list[Source] | None = None) -> SubtaskResult:  # fmt: skip
    return SubtaskResult(
        subtask_id="t1.1", specialist="accounts", status=status, answer=answer, confidence=1.0,  # type: ignore[typeddict-item]
        sources=sources or [], path=path, tool=tool, pending_action=None,  # type: ignore[typeddict-item]
    )  # fmt: skip


def test_tool_outputs_are_tool_answers_and_source_texts_never_model_text() -> None:
    outputs = tool_outputs(
        [
            _result(TOOL_SUMMARY),
            _result(f"Write to {OTHER_EMAIL}.", path="model"),  # a model wrote this: not tool output
            _result("Customer not found.", status="failed"),
            _result("x", path="model", sources=[Source(id="kb:1", title="Contact", snippet="Call 555.")]),
        ]
    )
    assert outputs == [TOOL_SUMMARY, "Contact", "Call 555."]


def test_values_from_tools_are_shown_others_are_leaks() -> None:
    answer = f"Contact: {TOOL_EMAIL}, {TOOL_PHONE}; also try {OTHER_EMAIL}."
    shown, leaked = split_disclosures(answer, [TOOL_SUMMARY], GuardSettings())
    assert {s.value for s in shown} == {TOOL_EMAIL, TOOL_PHONE}
    assert [s.value for s in leaked] == [OTHER_EMAIL]


def test_secrets_are_never_shown_even_from_a_tool() -> None:
    shown, leaked = split_disclosures(f"Key: {AWS_KEY}", [f"config key {AWS_KEY}"], GuardSettings())
    assert not shown and [s.type for s in leaked] == ["SECRET"]
    verdicts = check_output(
        f"Key: {AWS_KEY}", evidence=[], system_prompts=[], confidence=1.0, settings=GuardSettings(),
        tool_outputs=[f"config key {AWS_KEY}"],
    )  # fmt: skip
    assert [(v["guard"], v["action"]) for v in verdicts if "pii" in v["guard"]] == [("output_pii", "block")]


def test_policy_can_keep_tool_values_hidden() -> None:
    settings = GuardSettings(pii=PiiSettings(show_tool_values=False))
    shown, leaked = split_disclosures(f"Mail {TOOL_EMAIL}", [TOOL_SUMMARY], settings)
    assert not shown and [s.value for s in leaked] == [TOOL_EMAIL]
    text, sealed = protect_answer(f"Mail {TOOL_EMAIL}", [TOOL_SUMMARY], settings, VAULT)
    assert TOOL_EMAIL not in text and not sealed


def test_stored_answer_has_placeholders_and_only_tool_values_restore() -> None:
    answer = f"Contact: {TOOL_EMAIL}, {TOOL_PHONE}; also try {OTHER_EMAIL}."
    text, sealed = protect_answer(answer, [TOOL_SUMMARY], GuardSettings(), VAULT)
    assert all(v not in text for v in (TOOL_EMAIL, TOOL_PHONE, OTHER_EMAIL))
    assert len(sealed) == 2 and all(token.startswith("crewline-vault:v1:") for token in sealed.values())
    shown = VAULT.restore(text, sealed)
    assert TOOL_EMAIL in shown and TOOL_PHONE in shown
    assert OTHER_EMAIL not in shown and "[EMAIL_ADDRESS_" in shown  # the leak stays a placeholder


def test_check_output_says_which_values_came_from_tools() -> None:
    answer = f"Contact: {TOOL_EMAIL}."
    verdicts = check_output(
        answer, evidence=[], system_prompts=[], confidence=1.0, settings=GuardSettings(),
        tool_outputs=[TOOL_SUMMARY],
    )  # fmt: skip
    pii = [(v["guard"], v["action"]) for v in verdicts if "pii" in v["guard"]]
    assert pii == [("tool_pii", "redact")]
    without = check_output(answer, evidence=[], system_prompts=[], confidence=1.0, settings=GuardSettings())
    assert [(v["guard"], v["action"]) for v in without if "pii" in v["guard"]] == [("output_pii", "redact")]


def test_a_value_written_differently_from_the_tool_is_a_leak() -> None:
    shown, leaked = split_disclosures(
        "Card 4111-1111-1111-1111", ["card 4111 1111 1111 1111"], GuardSettings()
    )
    assert not shown and [s.type for s in leaked] == ["CREDIT_CARD"]


def test_tool_output_reaches_the_model_as_placeholders_with_restorable_originals() -> None:
    text, sealed = pseudonymise_tool_output(f"{TOOL_SUMMARY} Key {AWS_KEY}.", GuardSettings(), VAULT)
    assert all(v not in text for v in (TOOL_EMAIL, TOOL_PHONE, AWS_KEY))
    model_answer = " ".join(p for p in sealed)  # the model copies the placeholders it saw
    assert VAULT.restore(model_answer, sealed) == f"{TOOL_EMAIL} {TOOL_PHONE}"
    assert not any(p.startswith("[SECRET_") for p in sealed)  # a secret is never restored
    hidden = GuardSettings(pii=PiiSettings(show_tool_values=False))
    assert pseudonymise_tool_output(TOOL_SUMMARY, hidden, VAULT) == (text.split(" Key ")[0], {})
