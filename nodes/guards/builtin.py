"""crewline's built-in guards as objects of the :mod:`Guard protocol <crewline.nodes.guards.protocol>`.

They wrap today's functions and return exactly their verdicts: :class:`BuiltinInputGuards` those of
:func:`~crewline.nodes.guards.inputs.inspect_input` (size limits, injection, personal data and
secrets), :class:`BuiltinOutputGuards` those of :func:`~crewline.nodes.guards.output.check_output`
(system-prompt and personal-data leaks, groundedness, the confidence gate).

The built-in input guard does more than judge: it sanitizes the text and replaces personal data by
placeholders. A crew therefore runs it first, always, and keeps its :meth:`BuiltinInputGuards.inspect`
result (the text the rest of the crew sees); custom input guards then check that text. As guard
objects they serve users who run guards outside a crew, or compose their own graph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from crewline.nodes.guards.inputs import InputInspection, inspect_input
from crewline.nodes.guards.output import check_output
from crewline.nodes.guards.protocol import GuardContext
from crewline.nodes.guards.settings import GuardSettings
from crewline.nodes.guards.vault import Vault, default_vault
from crewline.nodes.types import GuardAction, Verdict

__all__ = ["BuiltinInputGuards", "BuiltinOutputGuards"]


class BuiltinInputGuards:
    """The built-in input guard: ``check_input`` returns the verdicts of ``inspect_input``.

    ``vault``: where placeholders' originals are sealed (``None``: the crew's default vault, opened
    on first use so constructing this touches no key file). ``guard`` names the verdicts, as
    ``inspect_input``'s argument does.
    """

    _crewline_builtin: ClassVar[bool] = True  # may write the reserved verdict names
    name = "builtin_input"

    def __init__(
        self,
        settings: GuardSettings | None = None,
        *,
        vault: Vault | None = None,
        guard: str = "input_guard",
        on_injection: GuardAction | None = None,
    ) -> None:
        self.settings = settings or GuardSettings()
        self.guard = guard
        self.on_injection = on_injection
        self._vault = vault

    @property
    def vault(self) -> Vault:
        return self._vault or default_vault()

    def inspect(self, text: str) -> InputInspection:
        """The whole inspection: the sanitized, pseudonymised text, the verdicts and the vault."""
        return inspect_input(
            text, self.settings, self.vault, guard=self.guard, on_injection=self.on_injection
        )

    def check_input(self, text: str, context: GuardContext) -> list[Verdict]:
        return self.inspect(text).verdicts

    def __repr__(self) -> str:
        return f"BuiltinInputGuards(guard={self.guard!r})"


Grounding = Callable[[str, GuardContext], Verdict | None]


class BuiltinOutputGuards:
    """The built-in output guard: ``check_output`` returns the verdicts of ``check_output``.

    ``system_prompts``: the crew's specialists' prompts (an answer repeating one is blocked).
    ``grounding``: a judge ``(answer, context) -> Verdict | None`` asked only when no leak check
    blocks (a model's groundedness verdict); without one, or when it returns ``None``, the lexical
    check against ``context.evidence`` decides. ``context.confidence`` ``None`` counts as 0, as a
    crew state without a confidence does.
    """

    _crewline_builtin: ClassVar[bool] = True
    name = "builtin_output"

    def __init__(
        self,
        settings: GuardSettings | None = None,
        *,
        system_prompts: Sequence[str] = (),
        grounding: Grounding | None = None,
    ) -> None:
        self.settings = settings or GuardSettings()
        self.system_prompts = tuple(system_prompts)
        self.grounding = grounding

    def check_output(self, answer: str, context: GuardContext) -> list[Verdict]:
        judge = self.grounding
        evidence = list(context.evidence)
        return check_output(
            answer,
            evidence=evidence if any(evidence) else [],  # as the crew's node: blank snippets are no evidence
            system_prompts=self.system_prompts,
            confidence=context.confidence if context.confidence is not None else 0.0,
            settings=self.settings,
            grounding=(lambda: judge(answer, context)) if judge is not None else None,
            tool_outputs=context.tool_outputs,
        )

    def __repr__(self) -> str:
        return f"BuiltinOutputGuards(system_prompts={len(self.system_prompts)})"
