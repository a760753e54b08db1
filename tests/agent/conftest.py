"""Fixtures of the agent's tests: real HTTP on loopback, real files, real SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from agentkit_media_server import MediaOrigin
from aiohttp import web


@pytest.fixture
async def media_origin() -> AsyncIterator[tuple[MediaOrigin, str]]:
    origin = MediaOrigin()
    runner = web.AppRunner(origin.app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield origin, f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30, sock_read=5)) as session:
        yield session
