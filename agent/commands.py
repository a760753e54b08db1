"""Run the cloud's commands: recorded before they run, run once, results reported at least once.

A command arrives by push or by poll (possibly both). :class:`CommandLog` decides whether
it runs: only the first time its id is seen. The agent acknowledges it (the cloud marks it
running), runs its handler, records the result, then reports it; a result the cloud did
not take is re-reported later. A type this agent does not know fails with a reason, never
silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from neopro.contracts import device_api as api

from .cloud_client import CloudClient, CloudError, CloudRefused
from .command_log import CommandLog

log = logging.getLogger("neopro.agent.commands")

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class CommandFailed(Exception):
    """A handler's way to fail with a reason a person can act on."""


class CommandRunner:
    def __init__(self, client: CloudClient, command_log: CommandLog, handlers: dict[str, Handler]) -> None:
        self.client = client
        self.log = command_log
        self.handlers = handlers
        #: Set after a result is recorded; the report loop wakes up on it.
        self.results_waiting = asyncio.Event()

    async def receive_raw(self, raw: dict[str, Any]) -> None:
        """A command as the cloud sent it; one whose type we do not know still gets a result."""
        try:
            command = msgspec.convert(raw, type=api.DeviceCommand)
        except msgspec.ValidationError as exc:
            command_id, kind = str(raw.get("id", ""))[:64], str(raw.get("type", "?"))[:64]
            if not command_id:
                log.error("a command without an id was ignored: %s", exc)
                return
            if await self.log.claim(command_id, kind, {}):
                reason = f"unknown or malformed command {kind!r}: {exc}; this agent cannot run it"
                log.error("command %s: %s", command_id, reason)
                await self.log.finish(command_id, False, {"error": reason})
                await self.report_pending()
            return
        await self.receive(command)

    async def poll_once(self) -> int:
        """Ask the cloud for due commands (the push channel is down) and take each; returns how many."""
        commands, unreadable = await self.client.commands()
        for command in commands:
            await self.receive(command)
        for raw in unreadable:  # a type this agent does not know: still answered, with why
            await self.receive_raw(raw)
        return len(commands) + len(unreadable)

    async def receive(self, command: api.DeviceCommand) -> None:
        if command.status in api.FINAL_STATUSES:
            return
        if not await self.log.claim(command.id, str(command.type), command.args):
            log.info("command %s (%s) seen before: not run again", command.id, command.type)
            await self.report_pending()
            return
        log.info("command %s: %s %s", command.id, command.type, command.args)
        try:
            await self.client.ack(command.id)
        except CloudRefused as exc:
            if exc.status == 409:  # expired or cancelled meanwhile: the cloud says do not run it
                reason = f"not run: the cloud withdrew it before it started ({exc.reason})"
                log.warning("command %s: %s", command.id, reason)
                await self.log.finish(command.id, False, {"error": reason})
                await self.log.mark_reported(command.id)
                return
            log.warning("command %s: ack refused (%s); running it anyway", command.id, exc.reason)
        except CloudError as exc:  # offline: run it, the result will tell the cloud
            log.warning("command %s: ack not delivered (%s)", command.id, exc.reason)
        handler = self.handlers.get(str(command.type))
        if handler is None:
            ok, result = False, {"error": f"command type {command.type!r} is not supported by this agent"}
        else:
            try:
                ok, result = True, await handler(command.args)
            except CommandFailed as exc:
                ok, result = False, {"error": str(exc)}
            except Exception as exc:  # a bug in a handler must not kill the agent
                log.exception("command %s failed", command.id)
                ok, result = False, {"error": f"{type(exc).__name__}: {exc}"}
        await self.log.finish(command.id, ok, result)
        log.info("command %s %s: %s", command.id, "succeeded" if ok else "failed", result)
        await self.report_pending()

    async def report_pending(self) -> int:
        """Send every recorded result the cloud has not taken yet; returns how many it took."""
        taken = 0
        for done in await self.log.unreported():
            result = dict(done.result or {})
            error = result.pop("error", None) if done.state == "failed" else None
            payload = api.CommandResult(
                status="succeeded" if done.state == "succeeded" else "failed",
                result=result,
                error=str(error)[:2000] if error else None,
            )
            try:
                await self.client.result(done.command_id, payload)
            except CloudError as exc:
                if exc.status in (404, 409, 410):  # the cloud forgot or closed it: nothing to deliver
                    log.warning("command %s: result not wanted (%s)", done.command_id, exc.reason)
                else:
                    self.results_waiting.set()
                    return taken
            await self.log.mark_reported(done.command_id)
            taken += 1
        return taken
