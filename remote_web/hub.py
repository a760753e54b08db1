"""The live hub: relays phone commands to the player and the truth back to every phone.

- A phone's player command is forwarded under a hub-made id, so two phones using the same
  ``id`` never confuse each other; the player's ``started``/``error`` about it come back to
  the phone that tapped (with that phone's own ``id``) and ``started`` reaches every other
  phone too.
- Match commands (score, teams, phase, match session) change the match state, which is
  committed to ``state.db`` first and then sent to every phone (``state``) and to the
  player (``match_state``).
- A phase change is match state: it is kept and acknowledged even while the TV is off,
  and the player takes it from ``match_state`` when it comes back.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import time
from collections.abc import Callable

import msgspec

from neopro.clock import utcnow
from neopro.contracts import ContractError, wire

from .clients import CLOSE_REPLACED, CLOSE_UNAUTHENTICATED, Client
from .match import MatchStore, apply

log = logging.getLogger(__name__)

MAX_PENDING = 1024
_MATCH_COMMANDS = (wire.ScoreChange, wire.ScoreReset, wire.SetTeams, wire.MatchStart, wire.MatchUpdate,
                   wire.MatchEnd)  # fmt: skip
#: What the agent may ask of the player for the cloud, besides reload_config.
_AGENT_COMMANDS = (wire.PlayVideo, wire.SetVolume, wire.TakeScreenshot)


class Hub:
    def __init__(
        self,
        store: MatchStore,
        site_etag: Callable[[], str | None] = lambda: None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._clock = clock
        self._site_etag = site_etag
        self.phones: set[Client] = set()
        #: The sync agent: it reads the state (what is on air, is the player healthy) and may
        #: ask the player to reload the configuration it applied; nothing else.
        self.agents: set[Client] = set()
        self.player: Client | None = None
        self.player_status = wire.PlayerStatus()
        self.match = wire.MatchState()
        #: hub id -> (the phone that asked, its own id)
        self._pending: collections.OrderedDict[str, tuple[Client, str | None]] = collections.OrderedDict()
        self._ids = itertools.count(1)
        self._match_lock = asyncio.Lock()

    async def start(self) -> None:
        self.match = await self._store.load()

    # -- who is connected ---------------------------------------------------------------
    def attach_phone(self, client: Client) -> None:
        self.phones.add(client)
        client.on_drop = self.detach
        client.send(self._state_frame())

    def attach_player(self, client: Client) -> None:
        if self.player is not None:
            log.warning("a new player connection replaces %r", self.player)
            self.player.close(CLOSE_REPLACED, "replaced by a new player connection")
        self.player = client
        log.info("player connected: %r", client)
        client.send(self._frame(wire.MatchStateUpdate(match=self.match)))
        self.broadcast_state()

    def attach_agent(self, client: Client) -> None:
        self.agents.add(client)
        log.info("agent connected: %r", client)
        client.send(self._state_frame())

    def detach(self, client: Client) -> None:
        client.stop()
        self.phones.discard(client)
        self.agents.discard(client)
        if client is self.player:
            self.player = None
            log.info("player disconnected")
            self.broadcast_state()

    def drop_role(self, role: str) -> None:
        """Close the phones of a role whose secret changed: they must log in again."""
        for phone in list(self.phones):
            if phone.role == role:
                phone.send(self._frame(wire.Error(code="unauthenticated", message="Log in again.")))
                asyncio.create_task(phone.flush_and_close(CLOSE_UNAUTHENTICATED, "secret changed"))  # noqa: RUF006

    async def close_all(self) -> None:
        """Close every socket at once (a phone that does not answer is cut after 2 s)."""
        clients = [*self.phones, *self.agents, *([self.player] if self.player else [])]
        await asyncio.gather(*(c.shutdown(1001, "hub shutting down") for c in clients))

    # -- frames from phones -------------------------------------------------------------
    async def on_phone_frame(self, client: Client, data: str | bytes) -> None:
        if client.bucket is not None and not client.bucket.take():
            client.send(self._frame(wire.Error(code="rate_limited", message="Too many messages: slow down.")))
            return
        if self._clock() >= client.expires_at:
            client.send(
                self._frame(wire.Error(code="unauthenticated", message="Session expired: log in again."))
            )
            await client.flush_and_close(CLOSE_UNAUTHENTICATED, "session expired")
            return
        try:
            msg = wire.phone_codec.decode(data)
        except ContractError as exc:
            client.send(self._frame(wire.error_for(exc, of=_peek_id(data))))
            return
        await self.on_phone_message(client, msg)

    async def on_phone_message(self, client: Client, msg: wire.Message) -> None:
        if isinstance(msg, wire.Hello):
            if msg.role != "phone":
                self._refuse(client, "forbidden", "This connection is a phone's.", of=msg.id, field="$.role")
                return
            client.send(self._frame(wire.Ack(of=msg.id)))
            client.send(self._state_frame())
        elif isinstance(msg, wire.RequestState):
            client.send(self._state_frame())
        elif isinstance(msg, wire.MatchUpdate | wire.MatchEnd) and self.match.session is None:
            self._refuse(
                client, "bad_message", "No match in progress: start one first.", of=msg.id, field="$.type"
            )
        elif isinstance(msg, _MATCH_COMMANDS):
            await self._change_match(msg)
            client.send(self._frame(wire.Ack(of=msg.id)))
        elif isinstance(msg, wire.SetPhase):
            if self.player is not None:  # first, so that the player honours ``when``
                self._forward(client, msg)
            await self._change_match(msg)
            client.send(self._frame(wire.Ack(of=msg.id)))
        elif self.player is None:
            self._refuse(client, "player_offline", "The TV is not connected to the hub.", of=msg.id)
        else:
            self._forward(client, msg)
            client.send(self._frame(wire.Ack(of=msg.id)))

    def send_to_player(self, msg: wire.Message) -> bool:
        """A command from the hub itself (the local admin's ``reload_config``)."""
        if self.player is None:
            return False
        self.player.send(self._frame(msg))
        return True

    def _forward(self, client: Client, msg: wire.Message) -> None:
        assert self.player is not None
        hub_id = f"h{next(self._ids)}"
        self._pending[hub_id] = (client, msg.id)
        while len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)
        self.player.send(self._frame(msgspec.structs.replace(msg, id=hub_id)))

    async def _change_match(self, msg: wire.Message) -> None:
        async with self._match_lock:  # one writer: two phones tapping +1 make +2
            now = utcnow()
            new = apply(self.match, msg, now)
            if new == self.match:
                return
            await self._store.save(self.match, new, now)
            self.match = new
        if self.player is not None:
            self.player.send(self._frame(wire.MatchStateUpdate(match=new)))
        self.broadcast_state()

    # -- frames from the agent ----------------------------------------------------------
    async def on_agent_frame(self, client: Client, data: str | bytes) -> None:
        if client.bucket is not None and not client.bucket.take():
            client.send(self._frame(wire.Error(code="rate_limited", message="Too many messages: slow down.")))
            return
        try:
            msg = wire.any_codec.decode(data)  # anything well-formed; what it may ask is below
        except ContractError as exc:
            client.send(self._frame(wire.error_for(exc, of=_peek_id(data))))
            return
        if isinstance(msg, wire.ReloadConfig):
            told = self.send_to_player(msgspec.structs.replace(msg, id=None))
            self.broadcast_state()  # the phones redraw their buttons from the new configuration
            reply: wire.Message = wire.Ack(of=msg.id) if told else wire.Error(
                code="player_offline", of=msg.id, message="The TV is not connected to the hub."
            )  # fmt: skip
            client.send(self._frame(reply))
        elif isinstance(msg, wire.RequestState | wire.Hello):
            client.send(self._state_frame())
        elif isinstance(msg, _AGENT_COMMANDS):
            # The cloud's "play a clip now" / "set the volume" / "screenshot": relayed like a
            # phone's tap; the player's `started`, `screenshot` or error goes back to the agent.
            if self.player is None:
                self._refuse(client, "player_offline", "The TV is not connected to the hub.", of=msg.id)
                return
            self._forward(client, msg)
            client.send(self._frame(wire.Ack(of=msg.id)))
        else:
            only = "The agent may only send reload_config, play, set_volume and take_screenshot."
            refusal = wire.Error(code="forbidden", of=msg.id, field="$.type", message=only)
            client.send(self._frame(refusal))

    # -- frames from the player ---------------------------------------------------------
    async def on_player_frame(self, client: Client, data: str | bytes) -> None:
        try:
            msg = wire.from_player_codec.decode(data)
        except ContractError as exc:
            log.warning("player sent a bad frame: %s", exc)
            client.send(self._frame(wire.error_for(exc, of=_peek_id(data))))
            return
        if isinstance(msg, wire.PlayerState):
            self.player_status = msg.status
            self.broadcast_state()
        elif isinstance(msg, wire.Started):
            self._on_started(msg)
        elif isinstance(msg, wire.Screenshot) and msg.of is not None:
            asker, asker_id = self._pending.pop(msg.of, (None, None))
            if asker is not None:
                asker.send(self._frame(msgspec.structs.replace(msg, of=asker_id)))
        elif isinstance(msg, wire.Error) and msg.of is not None:
            phone, phone_id = self._pending.pop(msg.of, (None, None))
            if phone is not None:
                phone.send(self._frame(msgspec.structs.replace(msg, of=phone_id)))
        elif isinstance(msg, wire.Ack) and msg.of is not None:
            self._pending.pop(msg.of, None)  # the phone was acknowledged when the hub forwarded it

    def _on_started(self, msg: wire.Started) -> None:
        asker, asker_id = self._pending.pop(msg.of, (None, None)) if msg.of else (None, None)
        others = self._frame(msgspec.structs.replace(msg, of=None))
        for p in tuple(self.phones):  # a send may drop a slow phone from the set
            p.send(self._frame(msgspec.structs.replace(msg, of=asker_id)) if p is asker else others)
        if asker is not None and asker in self.agents:
            asker.send(self._frame(msgspec.structs.replace(msg, of=asker_id)))

    # -- frames to phones ---------------------------------------------------------------
    def state(self) -> wire.State:
        return wire.State(
            player_connected=self.player is not None,
            player=self.player_status,
            match=self.match,
            site_etag=self._site_etag(),
        )

    def broadcast_state(self) -> None:
        frame = self._state_frame()  # encoded once for every phone
        for client in (*self.phones, *self.agents):
            client.send(frame)

    def _state_frame(self) -> str:
        return self._frame(self.state())

    def _refuse(self, client: Client, code: str, message: str, *, of: str | None = None,
                field: str | None = None) -> None:  # fmt: skip
        client.send(self._frame(wire.Error(code=code, message=message, of=of, field=field)))  # type: ignore[arg-type]

    @staticmethod
    def _frame(msg: wire.Message) -> str:
        return wire.encode(msg).decode()


def _peek_id(data: str | bytes) -> str | None:
    """The ``id`` of a frame that broke the contract, when one can be read, for the error's ``of``."""
    if len(data) > wire.MAX_FRAME_BYTES:
        return None
    try:
        obj = msgspec.json.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None
    value = obj.get("id") if isinstance(obj, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None
