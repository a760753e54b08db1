"""The push websocket: commands and "new configuration" the moment the cloud has them.

While it is down, the agent polls commands (and the manifest) on an interval instead; when
it comes back, the cloud pushes every command still due. Reconnects back off with full
jitter so a cloud restart is not met by the whole fleet at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import msgspec

from neopro.backoff import Backoff
from neopro.contracts import ContractError
from neopro.contracts import device_api as api

from .cloud_client import CloudClient

log = logging.getLogger("neopro.agent.push")


class Revoked(Exception):
    """The cloud revoked this device's credential."""


class PushChannel:
    def __init__(
        self,
        client: CloudClient,
        on_command: Callable[[dict[str, Any]], Awaitable[None]],
        on_config: Callable[[int], None],
        *,
        backoff: Backoff | None = None,
    ) -> None:
        self.client = client
        self.on_command = on_command
        self.on_config = on_config
        self.backoff = backoff or Backoff()
        self.connected = asyncio.Event()
        self.disconnected = asyncio.Event()
        self.disconnected.set()
        self._tasks: set[asyncio.Future[None]] = set()

    async def run(self) -> None:
        while True:
            try:
                await self._session()
            except Revoked:
                raise
            except (aiohttp.ClientError, TimeoutError, ConnectionError, OSError) as exc:
                log.info("push channel down: %s: %s", type(exc).__name__, exc)
            self._mark(False)
            delay = self.backoff.next_delay()
            await asyncio.sleep(delay)

    def _mark(self, up: bool) -> None:
        (self.connected.set if up else self.connected.clear)()
        (self.disconnected.clear if up else self.disconnected.set)()

    async def _session(self) -> None:
        async with self.client.session.ws_connect(
            self.client.push_url(), headers=self.client.auth_headers, heartbeat=30, autoping=True
        ) as ws:
            async for msg in ws:
                if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    break
                # A command goes to the runner as sent, so one of a type this agent does not
                # know still gets a "failed" result with the reason instead of vanishing.
                try:
                    raw = msgspec.json.decode(msg.data)
                except msgspec.DecodeError:
                    raw = None
                if (
                    isinstance(raw, dict)
                    and raw.get("type") == "command"
                    and isinstance(raw.get("command"), dict)
                ):
                    task = asyncio.ensure_future(self.on_command(raw["command"]))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                    continue
                try:
                    frame = api.decode_push(msg.data)
                except ContractError as exc:
                    log.warning("push: a malformed frame was ignored (%s: %s)", exc.field, exc.reason)
                    continue
                if isinstance(frame, api.PushHello):
                    log.info("push channel up (site %s)", frame.site_id)
                    self._mark(True)
                    self.backoff.reset()
                    self.on_config(frame.config_version)
                elif isinstance(frame, api.PushConfig):
                    self.on_config(frame.version)
                elif isinstance(frame, api.PushRevoked):
                    raise Revoked("the cloud revoked this device's credential; enroll it again")
