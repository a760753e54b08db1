"""The agent's line to the hub on the Pi: "take the new configuration", "what is on air?", and
the cloud's "play this clip now" / "set the volume" / "screenshot".

The agent says ``hello`` on the hub's ``/ws`` with ``role="agent"`` and the local token
(``player.token``, readable by the services' user only). It then gets the hub's ``state``
broadcasts: the player's status feeds the heartbeat's ``on_air`` and the update's health
gate. After applying a configuration it sends ``reload_config``. A hub that does not know
the agent role answers ``unauthenticated``: the agent then relies on the player noticing
the atomic replace of ``config/current.json`` (its size and mtime change), and the health
gate reports the player's state as unknown.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time

import aiohttp
import msgspec

from neopro.backoff import Backoff
from neopro.contracts import ContractError, wire

log = logging.getLogger("neopro.agent.hub")


class HubUnavailable(Exception):
    """No hub (or no player answer) to carry a command to the player."""


class HubLink:
    def __init__(self, hub_url: str, token: str, *, backoff: Backoff | None = None) -> None:
        self.ws_url = (
            hub_url.rstrip("/").replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/ws"
        )
        self.token = token
        # The hub is on the same machine: reconnecting often costs nothing, and a health gate
        # after a restart must not wait on a long backoff.
        self.backoff = backoff or Backoff(0.2, 2.0)
        self.player_connected = False
        self.player: wire.PlayerStatus | None = None
        #: None until the hub answered; False when it refused the agent role.
        self.accepted: bool | None = None
        #: ``time.monotonic()`` of the last state received on a live connection.
        self.state_at = 0.0
        self.changed = asyncio.Event()
        self._retry_now = asyncio.Event()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._closing: asyncio.Future[object] | None = None
        #: Commands sent to the player, by id, waiting for the frame that settles them.
        self._asked: dict[str, tuple[tuple[type, ...], asyncio.Future[wire.Message]]] = {}
        self._ids = itertools.count(1)

    # -- what the agent asks -----------------------------------------------------------
    def on_air(self) -> str | None:
        if self.player is None or self.player.on_air is None:
            return None
        return self.player.on_air.video_id

    def player_healthy(self, since: float = 0.0) -> bool:
        """The player is connected and plays something or shows its idle screen by design.

        ``since`` (``time.monotonic()``): only a state the hub sent after that moment counts,
        so a gate after a restart never passes on what the old processes said.
        """
        return (
            self.state_at > since
            and self.player_connected
            and self.player is not None
            and (self.player.on_air is not None or self.player.idle)
            and self.player.last_error is None
        )

    async def reload_config(self) -> bool:
        """Tell the player to take the new configuration now; False when the hub is not reachable."""
        if self._ws is None or self._ws.closed:
            return False
        try:
            await self._ws.send_bytes(wire.encode(wire.ReloadConfig()))
        except (ConnectionError, aiohttp.ClientError):
            return False
        return True

    async def ask(
        self, msg: wire.Message, *, settled_by: tuple[type, ...], timeout_s: float = 10.0
    ) -> wire.Message:
        """Send a command for the player through the hub; the frame that settles it comes back.

        ``settled_by``: the frame types that answer it (``Started`` for a play, ``Ack`` for a
        volume change); an ``Error`` always settles it. Raises ``HubUnavailable`` when there is
        no hub to ask or no answer in time.
        """
        if self._ws is None or self._ws.closed or not self.accepted:
            raise HubUnavailable("the hub is not reachable from the agent")
        msg = msgspec.structs.replace(msg, id=f"a{next(self._ids)}")
        assert msg.id is not None
        future: asyncio.Future[wire.Message] = asyncio.get_running_loop().create_future()
        self._asked[msg.id] = ((*settled_by, wire.Error), future)
        try:
            await self._ws.send_bytes(wire.encode(msg))
            return await asyncio.wait_for(future, timeout_s)
        except (ConnectionError, aiohttp.ClientError) as exc:
            raise HubUnavailable(f"the hub link broke: {exc}") from None
        except TimeoutError:
            raise HubUnavailable(f"no answer from the player within {timeout_s:.0f} s") from None
        finally:
            self._asked.pop(msg.id, None)

    def _settle(self, frame: wire.Message) -> None:
        of = getattr(frame, "of", None)
        waiting = self._asked.get(of) if of else None
        if waiting is not None and isinstance(frame, waiting[0]) and not waiting[1].done():
            waiting[1].set_result(frame)

    # -- the connection ----------------------------------------------------------------
    async def run(self, session: aiohttp.ClientSession) -> None:
        while True:
            try:
                await self._session(session)
            except (aiohttp.ClientError, TimeoutError, ConnectionError, OSError) as exc:
                log.debug("hub link down: %s", exc)
            self._ws = None
            self.player_connected = False
            self.changed.set()
            for _, future in self._asked.values():
                if not future.done():
                    future.set_exception(HubUnavailable("the hub link broke before the player answered"))
            # A hub that refused the agent role is asked again rarely, unless kicked.
            delay = 60.0 if self.accepted is False else self.backoff.next_delay()
            self._retry_now.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._retry_now.wait(), delay)

    def kick(self) -> None:
        """Reconnect now: the services were just restarted, so drop any connection to the old hub."""
        self._retry_now.set()
        if self._ws is not None and not self._ws.closed:
            task = asyncio.ensure_future(self._ws.close())
            self._closing = task  # keep a reference until it is done

    async def _session(self, session: aiohttp.ClientSession) -> None:
        async with session.ws_connect(self.ws_url, heartbeat=20) as ws:
            await ws.send_bytes(
                wire.encode(wire.Hello(role="agent", token=self.token, client="neopro-agent"))
            )
            self._ws = ws
            async for msg in ws:
                if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    break
                try:
                    frame = wire.any_codec.decode(msg.data)
                except ContractError:
                    continue
                if isinstance(frame, wire.State):
                    if not self.accepted:
                        log.info("hub link up")
                    self.accepted = True
                    self.backoff.reset()
                    self.player_connected, self.player = frame.player_connected, frame.player
                    self.state_at = time.monotonic()
                    self.changed.set()
                elif isinstance(frame, wire.Started | wire.Screenshot | wire.Ack) or (
                    isinstance(frame, wire.Error) and frame.of in self._asked
                ):
                    self._settle(frame)
                elif isinstance(frame, wire.Error) and frame.code in ("unauthenticated", "forbidden"):
                    if self.accepted is not False:
                        log.warning(
                            "the hub refused the agent (%s); relying on the config file's change",
                            frame.message,
                        )
                    self.accepted = False
                    return
