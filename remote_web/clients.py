"""One connected websocket peer (a phone or the player) with its own bounded send queue.

Every frame to a peer goes through its queue and its own writer task, so a phone on a bad
Wi-Fi link only ever delays itself: when its queue is full it is dropped (the page
reconnects and gets the whole state again) instead of making the broadcast wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable
from typing import Literal

from aiohttp import web

log = logging.getLogger(__name__)
_numbers = itertools.count(1)

#: Close codes (4000-4999 are the application's own).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_TOO_SLOW = 4408
CLOSE_REPLACED = 4409


class TokenBucket:
    """``burst`` frames at once, then ``rate`` frames a second."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._tokens = float(burst)
        self._at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False


class Client:
    def __init__(
        self,
        ws: web.WebSocketResponse,
        kind: Literal["phone", "player", "agent"],
        *,
        queue_size: int,
        bucket: TokenBucket | None = None,
        role: str | None = None,
        expires_at: float = float("inf"),
        peer: str = "?",
        transport: asyncio.BaseTransport | None = None,
    ) -> None:
        self.ws = ws
        self._transport = transport
        self.kind = kind
        self.role = role
        self.expires_at = expires_at
        self.bucket = bucket
        self.number = next(_numbers)
        self.peer = peer
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=queue_size)
        self._writer = asyncio.create_task(self._write_loop(), name=f"ws-writer-{self.number}")
        self.closed = False
        #: Called when this client is dropped for being too slow (the hub forgets it at once,
        #: not when the TCP teardown of a peer that reads nothing finally completes).
        self.on_drop: Callable[[Client], None] | None = None

    def __repr__(self) -> str:
        return f"<{self.kind} #{self.number} {self.peer}>"

    def send(self, frame: str) -> None:
        """Queue ``frame``; a peer too slow to keep up is closed rather than waited for."""
        if self.closed:
            return
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            log.warning("%r: %d frames waiting, dropping it", self, self._queue.qsize())
            self.close(CLOSE_TOO_SLOW, "too slow")
            if self.on_drop is not None:
                self.on_drop(self)

    def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self._writer.cancel()
        asyncio.create_task(self._close(code, reason))  # noqa: RUF006 - it ends by itself

    async def shutdown(self, code: int, reason: str) -> None:
        """Stop sending and close now, waiting (at most 2 s) for the peer's answer."""
        self.closed = True
        self._writer.cancel()
        await self._close(code, reason)

    async def _close(self, code: int, reason: str) -> None:
        # A peer that reads nothing cannot take a close frame either: after 2 s the TCP
        # connection is cut, which ends its reader loop and its place in the hub. A timer,
        # not wait_for: wait_for waits for the close it cancels to finish, and aiohttp's
        # close may sit on its own (longer) timeout first, measured here under load.
        cut = asyncio.get_running_loop().call_later(2.0, self._abort)
        try:
            await self.ws.close(code=code, message=reason.encode())
        except Exception:
            self._abort()
        finally:
            cut.cancel()

    def _abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    async def flush_and_close(self, code: int, reason: str) -> None:
        """Send what is queued (an error saying why), then close."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._queue.join(), timeout=2)
        self.close(code, reason)

    async def _write_loop(self) -> None:
        try:
            while True:
                frame = await self._queue.get()
                try:
                    await self.ws.send_str(frame)
                finally:
                    self._queue.task_done()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the socket went away: the reader loop ends it
            log.info("%r: send failed (%s)", self, exc)

    def stop(self) -> None:
        self.closed = True
        self._writer.cancel()
