"""The push channel: the agents' websockets held by this instance, fed by the push bus.

Every instance hears every bus message; only the one holding the site's socket acts. A
command is claimed (marked sent) in the database before it is written to the socket, under
a per-site lock, so two triggers never send it twice from one instance, and the conditional
claim keeps two instances from both sending it.

A push can be lost: a bus notification published while this instance's LISTEN connection
was reconnecting, or a socket write that failed. So after the listener reconnects every
connected site gets its un-acknowledged commands again (:meth:`PushHub.resend_all`), and a
periodic sweep (:meth:`PushHub.sweep`, every ``command_resend_s``) resends commands of the
connected sites that stayed un-acknowledged for that long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import datetime, timedelta

import msgspec
from litestar import WebSocket
from litestar.exceptions import WebSocketDisconnect
from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import async_sessionmaker

from cloud_api.db.base import utcnow
from cloud_api.db.fastreads import FastReads
from cloud_api.domain.commands.services import claim_due, sites_with_unacked
from cloud_api.lib.bus_messages import BusMessage, CommandQueued, ConfigPublished, DeviceRevoked
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

    async def dispatch(
        self, site_id: str, *, resend_unacked: bool = False, unacked_before: datetime | None = None
    ) -> None:
        """Claim the site's due commands and push them, if its agent is connected here."""
        if not self.connected(site_id):
            return
        async with self._locks[site_id]:
            async with self._sessionmaker() as session:
                commands = await claim_due(
                    session, site_id, resend_unacked=resend_unacked, unacked_before=unacked_before
                )
            for command in commands:
                await self._broadcast(site_id, PushCommand(command=command))
        if not self._locks[site_id].locked() and not self.connected(site_id):
            self._locks.pop(site_id, None)

    async def resend_all(self) -> None:
        """Every connected site's queued and un-acknowledged commands (after a bus reconnect)."""
        for site_id in list(self._sockets):
            try:
                await self.dispatch(site_id, resend_unacked=True)
            except Exception:
                log.exception("resending the commands of site %s failed", site_id)

    async def sweep(self, unacked_for_s: float) -> int:
        """Push what connected sites still miss: queued commands, and sent ones never acked.

        One query finds the sites concerned; a command pushed less than ``unacked_for_s``
        ago is left alone (its agent may be acknowledging it now). Returns the sites swept.
        """
        connected = list(self._sockets)
        if not connected:
            return 0
        before = utcnow() - timedelta(seconds=unacked_for_s)
        async with self._sessionmaker() as session:
            sites = await sites_with_unacked(session, connected, before)
        for site_id in sites:
            try:
                await self.dispatch(site_id, resend_unacked=True, unacked_before=before)
            except Exception:
                log.exception("sweeping the commands of site %s failed", site_id)
        return len(sites)

    async def sweep_forever(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.sweep(interval_s)
            except Exception:
                log.exception("command sweep failed; next in %.0f s", interval_s)

    async def on_bus(self, message: BusMessage) -> None:
        if isinstance(message, CommandQueued):
            await self.dispatch(message.site_id)
        elif isinstance(message, ConfigPublished):
            await self._broadcast(message.site_id, PushConfig(version=message.version))
        elif isinstance(message, DeviceRevoked):
            await self._revoke(message.device_id)

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
            except Exception as exc:  # the socket went away; the sweep or the reconnect resends
                log.info("push to site %s failed: %s", site_id, exc)

    async def _send(self, socket: WebSocket, frame: msgspec.Struct) -> None:
        await socket.send_data(_encoder.encode(frame).decode(), mode="text")

    async def close_all(self) -> None:
        for sockets in list(self._sockets.values()):
            for socket in list(sockets):
                with contextlib.suppress(Exception):
                    await socket.close(code=1012, reason="server restarting")
