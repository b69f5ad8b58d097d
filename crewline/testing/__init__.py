"""Testing aids for crewline users: a scripted chat model, so a crew's or an agent's model path runs in
a test without a provider, a network or a key.

    from crewline.testing import ScriptedChatModel, tool_call

    model = ScriptedChatModel([tool_call("forecast", {"city": "Oslo"}), "Rain in Oslo."])
"""

from __future__ import annotations

from crewline.testing.crews import minimal_crew
from crewline.testing.replies import (
    ModelCall,
    OfferedTool,
    Reply,
    ReplyFunction,
    ReplyValue,
    ScriptedToolCall,
    ScriptError,
    ScriptExhausted,
    tool_call,
)
from crewline.testing.scripted_model import ScriptedChatModel

__all__ = [
    "ModelCall",
    "OfferedTool",
    "Reply",
    "ReplyFunction",
    "ReplyValue",
    "ScriptError",
    "ScriptExhausted",
    "ScriptedChatModel",
    "ScriptedToolCall",
    "minimal_crew",
    "tool_call",
]
