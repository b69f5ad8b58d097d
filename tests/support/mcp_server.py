"""A tiny MCP server over stdio with one async tool, ``forecast(city)``: the MCP tests start it.

Run as a script (``python tests/support/mcp_server.py``); :func:`stdio_connection` is how a
``MultiServerMCPClient`` starts it. An unknown city is an MCP tool error (``isError``), as a real
server reports a failure.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from mcp.server.fastmcp import FastMCP

FORECASTS = {
    "oslo": "Oslo: light rain, 7 °C, wind from the south-west.",
    "lisbon": "Lisbon: sunny, 21 °C, a light breeze.",
}

server = FastMCP("weather", log_level="WARNING")  # INFO logs every request on stderr


@server.tool()
async def forecast(city: str) -> str:
    """Tomorrow's weather forecast for a city, e.g. 'Oslo'."""
    await asyncio.sleep(0.01)  # a real await: the tool is a coroutine, as MCP tools are
    known = FORECASTS.get(city.strip().lower())
    if known is None:
        raise ValueError(f"No forecast for {city}.")
    return known


def stdio_connection() -> dict[str, Any]:
    """The ``MultiServerMCPClient`` connection that starts this server with this interpreter."""
    return {"transport": "stdio", "command": sys.executable, "args": [str(Path(__file__).resolve())]}


if __name__ == "__main__":
    server.run("stdio")
