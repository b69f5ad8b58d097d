"""The console for the humans in the loop: sign in with an API key, decide escalations in an inbox,
follow a thread's run timeline. Server-rendered HTML, one small script and stylesheet in the
package, nothing from any other origin.

``create_console(backend)`` is an ASGI app to mount anywhere; the backend is :class:`ServerApi`
(inside the LangGraph server: decisions through its API) or :class:`LocalCrew` (crews in this
process: ``crewline console``).
"""

from crewline.graphs.serving.console.app import CONTENT_SECURITY_POLICY, create_console, server_console
from crewline.graphs.serving.console.backends import ConsoleBackend, Decision, DecisionOutcome, ServerApi
from crewline.graphs.serving.console.local import LocalCrew
from crewline.graphs.serving.console.sessions import SessionStore

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "ConsoleBackend",
    "Decision",
    "DecisionOutcome",
    "LocalCrew",
    "ServerApi",
    "SessionStore",
    "create_console",
    "server_console",
]
