"""An async HTTP client that works from every event loop a process runs.

langchain-openai shares one ``httpx.AsyncClient`` per process (langchain#35783). Its connections
belong to the loop that opened them, so once a crew has been awaited under one ``asyncio.run``, a
second ``asyncio.run`` in the same process (a CLI command, a test, a worker) fails with "Event loop
is closed". A crew is built once and awaited from any loop: this client keeps one real client per
running loop and forgets it with the loop.
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
import weakref
from typing import Any

import httpx

__all__ = ["LoopLocalAsyncClient"]


@functools.lru_cache(maxsize=4)
def _default_ssl_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """httpx's default context (certifi, or the SSL_CERT_* variables), made once per process: it
    reads the whole CA bundle (a quarter of a second, seconds on a busy machine), and every crew built
    makes two clients per model endpoint."""
    return httpx.create_ssl_context()


class LoopLocalAsyncClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` whose requests go through a client of the running loop's own."""

    def __init__(self, **kwargs: Any) -> None:
        if "verify" not in kwargs and "cert" not in kwargs and kwargs.get("trust_env", True):
            # keyed by the variables httpx's default reads, so a changed bundle is a new context
            kwargs["verify"] = _default_ssl_context(
                os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
            )
        super().__init__(**kwargs)
        self._kwargs = kwargs
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._per_loop.get(loop)
        if client is None:
            client = self._per_loop[loop] = httpx.AsyncClient(**self._kwargs)
        return client

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        return await self._client().send(request, **kwargs)

    async def aclose(self) -> None:
        client = self._per_loop.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()
        await super().aclose()
