"""The push bus: tells every instance that something happened to a site.

A command created on instance A must reach the agent whose websocket is held by instance B.
On PostgreSQL that is LISTEN/NOTIFY (every instance listens on one channel, and hears its own
notifications too); on SQLite there is only one process, so the bus is a local call.
Messages are the typed structs of :mod:`cloud_api.lib.bus_messages`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import msgspec
import psycopg

from . import bus_messages
from .bus_messages import BusMessage

Handler = Callable[[BusMessage], Awaitable[None]]
#: Called after the listener reconnected: notifications sent meanwhile were lost.
Reconnected = Callable[[], Awaitable[None]]
CHANNEL = "neopro_push"
log = logging.getLogger("cloud_api.bus")


class Bus(Protocol):
    async def start(self, handler: Handler, on_reconnect: Reconnected | None = None) -> None: ...
    async def publish(self, message: BusMessage) -> None: ...
    async def stop(self) -> None: ...


class LocalBus:
    """One process: publishing is calling the handler (in a task, as a notification would)."""

    def __init__(self) -> None:
        self._handler: Handler | None = None
        self._tasks: set[asyncio.Task] = set()

    async def start(self, handler: Handler, on_reconnect: Reconnected | None = None) -> None:
        self._handler = handler

    async def publish(self, message: BusMessage) -> None:
        if self._handler is not None:
            task = asyncio.create_task(self._handler(message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        self._handler = None


class PostgresBus:
    """LISTEN on one connection, NOTIFY on another; the listener reconnects if it drops."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._publisher: psycopg.AsyncConnection | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None
        self._ready = asyncio.Event()

    async def start(self, handler: Handler, on_reconnect: Reconnected | None = None) -> None:
        self._task = asyncio.create_task(self._listen(handler, on_reconnect), name="bus-listen")
        await asyncio.wait_for(self._ready.wait(), timeout=15)

    async def _listen(self, handler: Handler, on_reconnect: Reconnected | None) -> None:
        delay = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    if self._ready.is_set() and on_reconnect is not None:
                        log.info("bus listener reconnected; resending what may have been missed")
                        try:
                            await on_reconnect()
                        except Exception:
                            log.exception("resend after the bus reconnect failed")
                    self._ready.set()
                    delay = 0.5
                    async for note in conn.notifies():
                        try:
                            message = bus_messages.decode(note.payload)
                        except msgspec.MsgspecError as exc:
                            log.warning("ignored a push bus message (%s): %s", exc, note.payload)
                            continue
                        try:
                            await handler(message)
                        except Exception:
                            log.exception("push handler failed for %s", note.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("bus listener lost its connection (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)

    async def publish(self, message: BusMessage) -> None:
        payload = bus_messages.encode(message)
        async with self._lock:
            for attempt in (1, 2):
                try:
                    if self._publisher is None or self._publisher.closed:
                        self._publisher = await psycopg.AsyncConnection.connect(
                            self._conninfo, autocommit=True
                        )
                    await self._publisher.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                    return
                except psycopg.OperationalError:
                    self._publisher = None
                    if attempt == 2:
                        raise

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._publisher is not None:
            await self._publisher.close()
