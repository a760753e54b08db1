"""The player's link to the hub: a websocket client that never stops the TV.

It says ``hello`` with the player's local token, obeys the commands it receives (a bad
frame gets an ``error`` back, the connection stays up), and publishes the player's state
on every change. When the hub is away it retries with backoff; the TV plays on meanwhile,
and whatever was missed is made good by the full state sent on reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from neopro.backoff import Backoff
from neopro.contracts import ContractError, wire

from .engine import MpvFailure
from .player import Player

log = logging.getLogger(__name__)

BACKOFF_START_S, BACKOFF_MAX_S = 0.5, 10.0


def _id_of(frame: str | bytes) -> str | None:
    """The ``id`` of a frame that broke the contract, if it has a readable one."""
    try:
        value = json.loads(frame).get("id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


class HubClient:
    def __init__(self, url: str, token: str, player: Player) -> None:
        self.url = url
        self.token = token
        self.player = player
        self.connected = asyncio.Event()
        self._out: asyncio.Queue[bytes] | None = None
        self._state_scheduled = False
        player.send = self.send
        player.on_change = self.publish_state

    def send(self, message: wire.Message) -> None:
        if self._out is not None:
            self._out.put_nowait(wire.encode(message))

    def publish_state(self) -> None:
        """Send the player's state soon (changes within one loop iteration are coalesced)."""
        if self._out is None or self._state_scheduled:
            return
        self._state_scheduled = True
        asyncio.get_running_loop().call_soon(self._send_state)

    def _send_state(self) -> None:
        self._state_scheduled = False
        self.send(wire.PlayerState(status=self.player.status()))

    async def run(self) -> None:
        backoff = Backoff(BACKOFF_START_S, BACKOFF_MAX_S)
        while True:
            try:
                async with connect(self.url, open_timeout=5, ping_interval=10, ping_timeout=10,
                                   max_size=4 * wire.MAX_FRAME_BYTES) as ws:  # fmt: skip
                    backoff.reset()
                    await self._session(ws)
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake) as exc:
                reason = str(exc) or type(exc).__name__
                level = logging.INFO if backoff.attempt == 0 else logging.DEBUG  # once per outage
                log.log(level, "hub %s unavailable (%s); retrying with backoff", self.url, reason)
            except InvalidURI:
                log.error("NEOPRO_HUB_URL %r is not a websocket URL; the player runs without a hub", self.url)
                return
            await asyncio.sleep(backoff.next_delay())

    async def _session(self, ws: ClientConnection) -> None:
        self._out = asyncio.Queue()
        self.send(wire.Hello(role="player", token=self.token, client="neopro-player"))
        self.send(wire.PlayerState(status=self.player.status()))
        writer = asyncio.create_task(self._write(ws))
        self.connected.set()
        log.info("connected to the hub at %s", self.url)
        try:
            async for frame in ws:
                await self._on_frame(frame, time.monotonic_ns())
        finally:
            self.connected.clear()
            self._out = None
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    async def _write(self, ws: ClientConnection) -> None:
        assert self._out is not None
        queue = self._out
        while True:
            await ws.send((await queue.get()).decode())

    async def _on_frame(self, frame: str | bytes, arrival_ns: int) -> None:
        try:
            message = wire.to_player_codec.decode(frame)
        except ContractError as exc:
            log.warning("bad frame from the hub: %s", exc)
            self.send(wire.error_for(exc, of=_id_of(frame)))
            return
        try:
            reply = await self.player.handle(message, arrival_ns)
        except MpvFailure:
            raise  # libmpv is gone: the process ends and systemd starts a fresh one
        except Exception as exc:  # one bad command must not end the hub link, and so the TV
            kind = type(message).__struct_config__.tag
            log.exception("the player failed to obey %r (id %s) from the hub", kind, message.id)
            reason = f"the player failed to obey {kind!r}: {type(exc).__name__}: {exc}"[:500]
            self.send(wire.Error(of=message.id, code="internal", message=reason))
            return
        if reply is not None:
            self.send(reply)
