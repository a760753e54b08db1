"""The push channel: the agents' websockets held by this instance, fed by the push bus.

Every instance hears every bus message; only the one holding the site's socket acts. A
command is claimed (marked sent) in the database before it is written to the socket, under
a per-site lock, so two triggers never send it twice from one instance, and the conditional
claim keeps two instances from both sending it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from typing import Any

import msgspec
from litestar import WebSocket
from litestar.exceptions import WebSocketDisconnect
from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import async_sessionmaker

from cloud_api.db.fastreads import FastReads
from cloud_api.domain.commands.services import claim_due
from neopro.contracts.device_api import PushCommand, PushConfig, PushHello, PushRevoked

from .auth import DeviceDirectory, DeviceIdentity

log = logging.getLogger("cloud_api.push")
CONNECTED = Gauge("neopro_push_sockets", "Agent websockets held by this process")
_encoder = msgspec.json.Encoder()


class PushHub:
    def __init__(self, sessionmaker: async_sessionmaker, devices: DeviceDirectory, reads: FastReads) -> None:
        self._sessionmaker = sessionmaker
        self._reads = reads
        self._devices = devices
        self._sockets: dict[str, dict[WebSocket, DeviceIdentity]] = defaultdict(dict)
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def connected(self, site_id: str) -> bool:
        return bool(self._sockets.get(site_id))

    async def serve(self, socket: WebSocket, device: DeviceIdentity) -> None:
        """Hold one agent's socket: hello, everything due, then whatever the bus brings."""
        self._sockets[device.site_id][socket] = device
        CONNECTED.inc()
        try:
            # One light read: most sites have nothing queued when the fleet reconnects at once.
            version, due = await self._reads.probe(device.site_id)
            await self._send(
                socket, PushHello(site_id=device.site_id, device_id=device.id, config_version=version)
            )
            if due:
                await self.dispatch(device.site_id, resend_unacked=True)
            while True:
                message = await socket.receive_data(mode="text")
                if message == "ping":
                    await socket.send_data("pong")
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self._sockets[device.site_id].pop(socket, None)
            if not self._sockets[device.site_id]:
                self._sockets.pop(device.site_id, None)
            CONNECTED.dec()

    async def dispatch(self, site_id: str, *, resend_unacked: bool = False) -> None:
        """Claim the site's due commands and push them, if its agent is connected here."""
        if not self.connected(site_id):
            return
        async with self._locks[site_id]:
            async with self._sessionmaker() as session:
                commands = await claim_due(session, site_id, resend_unacked=resend_unacked)
            for command in commands:
                await self._broadcast(site_id, PushCommand(command=command))
        if not self._locks[site_id].locked() and not self.connected(site_id):
            self._locks.pop(site_id, None)

    async def on_bus(self, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        if kind == "command":
            await self.dispatch(message["site_id"])
        elif kind == "config":
            await self._broadcast(message["site_id"], PushConfig(version=int(message["version"])))
        elif kind == "revoke":
            await self._revoke(message["device_id"])

    async def _revoke(self, device_id: str) -> None:
        self._devices.forget(device_id)
        for sockets in list(self._sockets.values()):
            for socket, device in list(sockets.items()):
                if device.id == device_id:
                    with contextlib.suppress(Exception):
                        await self._send(socket, PushRevoked())
                        await socket.close(code=4401, reason="credential revoked")

    async def _broadcast(self, site_id: str, frame: msgspec.Struct) -> None:
        for socket in list(self._sockets.get(site_id, {})):
            try:
                await self._send(socket, frame)
            except Exception as exc:  # the socket went away; its commands stay "sent" until reconnect
                log.info("push to site %s failed: %s", site_id, exc)

    async def _send(self, socket: WebSocket, frame: msgspec.Struct) -> None:
        await socket.send_data(_encoder.encode(frame).decode(), mode="text")

    async def close_all(self) -> None:
        for sockets in list(self._sockets.values()):
            for socket in list(sockets):
                with contextlib.suppress(Exception):
                    await socket.close(code=1012, reason="server restarting")
