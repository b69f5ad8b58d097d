"""Resolve the tool names a crew spec lists to LangChain tools.

A name is a builtin (the support crew's ERP tools and ``search_knowledge``) or an import path
``"package.module:attr"`` whose attribute is a ``BaseTool`` or a factory ``(ToolContext) -> BaseTool``.
The demo ERP is opened once per data directory and shared by every tool that uses it.
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.tools import BaseTool, StructuredTool

from crewline.errors import ConfigurationError
from crewline.tools.import_paths import import_path

if TYPE_CHECKING:
    from crewline.tools.erp import LegacyERP

# The support crew's ERP tools (crewline.tools.support, .erp) are imported when a crew names one:
# a crew of its own tools never pays for them (tens of milliseconds of import).

__all__ = [
    "KNOWLEDGE_TOOL",
    "ToolContext",
    "as_tool",
    "builtin_tool_names",
    "demo_erp",
    "function_tool",
    "is_tool_factory",
    "resolve_tools",
]

KNOWLEDGE_TOOL = "search_knowledge"
_KNOWLEDGE_MODULE = "crewline.tools.knowledge"


@dataclass(frozen=True)
class ToolContext:
    """What tool factories get: where the crew keeps its files (the demo ERP lives in ``data_dir/erp``)."""

    data_dir: Path


def builtin_tool_names() -> tuple[str, ...]:
    from crewline.tools.support import SUPPORT_TOOL_NAMES

    return (*SUPPORT_TOOL_NAMES, KNOWLEDGE_TOOL)


_erps: dict[Path, LegacyERP] = {}
_erps_lock = threading.Lock()


def demo_erp(ctx: ToolContext) -> LegacyERP:
    """The demo ERP for ``ctx.data_dir`` (created from the seed on first use), cached per directory."""
    from crewline.tools.erp import open_demo_erp

    key = Path(ctx.data_dir).expanduser().resolve()
    with _erps_lock:
        erp = _erps.get(key)
        if erp is None or not erp.db_path.exists():
            erp = _erps[key] = open_demo_erp(key)
        return erp


def _check_tool(value: object, origin: str) -> BaseTool:
    if not isinstance(value, BaseTool):
        raise ConfigurationError(f"{origin} gave a {type(value).__name__}, not a LangChain tool (BaseTool)")
    return value


def is_tool_factory(value: object) -> bool:
    """A factory takes exactly one parameter, annotated ``ToolContext``; any other callable is a tool."""
    try:
        parameters = list(inspect.signature(value).parameters.values())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    if len(parameters) != 1:
        return False
    annotation = parameters[0].annotation
    return annotation is ToolContext or (isinstance(annotation, str) and annotation.endswith("ToolContext"))


def function_tool(function: Callable[..., Any]) -> BaseTool:
    """A LangChain tool from a plain function: name, arguments and description from its signature
    and docstring. An async function stays async (awaited natively, run to completion under invoke)."""
    name = getattr(function, "__name__", type(function).__name__)
    description = inspect.getdoc(function) or f"{name.replace('_', ' ')}"
    try:
        if inspect.iscoroutinefunction(function):
            return StructuredTool.from_function(coroutine=function, name=name, description=description)
        return StructuredTool.from_function(func=function, name=name, description=description)
    except Exception as exc:  # an unsupported signature (e.g. *args only): say which function
        raise ConfigurationError(f"function {name!r} cannot be a tool: {str(exc).splitlines()[0]}") from None


def as_tool(value: object, ctx: ToolContext, origin: str) -> BaseTool:
    """A tool object, a factory's tool or a plain function's tool."""
    if isinstance(value, BaseTool):
        return value
    if callable(value) and not isinstance(value, type):
        if is_tool_factory(value):
            return _check_tool(value(ctx), f"tool factory {origin}")
        return function_tool(value)
    raise ConfigurationError(f"{origin} is a {type(value).__name__}, neither a LangChain tool nor a function")


def _knowledge_tool(ctx: ToolContext) -> BaseTool:
    try:
        module = importlib.import_module(_KNOWLEDGE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != _KNOWLEDGE_MODULE:
            raise
        raise ConfigurationError(
            f"Tool {KNOWLEDGE_TOOL!r} is unavailable: {_KNOWLEDGE_MODULE} is missing."
        ) from exc
    factory = module.make_search_knowledge_tool
    return _check_tool(factory(ctx), f"{_KNOWLEDGE_MODULE}.make_search_knowledge_tool")


def _named_tool(
    name: str, ctx: ToolContext, search: Sequence[Path], support: dict[str, BaseTool]
) -> BaseTool:
    if name == KNOWLEDGE_TOOL:
        return _knowledge_tool(ctx)
    if ":" in name:
        return as_tool(import_path(name, what="tool", search=search), ctx, repr(name))
    from crewline.tools.support import SUPPORT_TOOL_NAMES, build_support_tools

    if name in SUPPORT_TOOL_NAMES:
        if not support:
            support.update({tool.name: tool for tool in build_support_tools(demo_erp(ctx))})
        return support[name]
    known = ", ".join(builtin_tool_names())
    raise ConfigurationError(
        f"Unknown tool {name!r}; known tools: {known} (or an import path 'package.module:attr')"
    )


def resolve_tools(
    entries: Sequence[object], ctx: ToolContext, *, search: Sequence[Path] = ()
) -> list[BaseTool]:
    """The tools for ``entries`` (tool objects, functions, factories, builtin names, import paths), in
    order. ``search``: folders import paths are also looked up in (the spec's). A bad entry raises a
    one-line :class:`ConfigurationError`."""
    if isinstance(entries, str):
        raise ConfigurationError(f"tools must be a list, not the string {entries!r}")
    support: dict[str, BaseTool] = {}
    resolved: list[BaseTool] = []
    for index, entry in enumerate(entries):
        if isinstance(entry, str):
            tool = _named_tool(entry.strip(), ctx, search, support)
        else:
            tool = as_tool(entry, ctx, f"tools[{index}]")
        if any(existing.name == tool.name for existing in resolved):
            raise ConfigurationError(
                f"Two tools are named {tool.name!r}; each tool of a specialist needs its own name"
            )
        resolved.append(tool)
    return resolved
