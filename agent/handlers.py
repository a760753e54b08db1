"""What each cloud command does on this Pi (the update lives in :mod:`.update`)."""

from __future__ import annotations

import asyncio
import shlex
import shutil
from collections.abc import Awaitable, Callable
from typing import Any

from .commands import CommandFailed, Handler
from .services import SERVICES, restart, run_command, unit_of
from .settings import AgentSettings


def base_handlers(settings: AgentSettings, sync_now: Callable[[], Awaitable[Any]]) -> dict[str, Handler]:
    async def do_sync(_args: dict[str, Any]) -> dict[str, Any]:
        applied = await sync_now()
        return {"applied_config_version": applied}

    async def do_restart(args: dict[str, Any]) -> dict[str, Any]:
        service = str(args.get("service", ""))
        if service not in SERVICES:
            raise CommandFailed(f"args.service must be one of {', '.join(SERVICES)}, not {service!r}")
        if service == "agent":
            # Restarting ourselves ends this process: do it after the result is recorded.
            asyncio.get_running_loop().call_later(1.0, _spawn_restart, settings.restart_command, service)
            return {"restarting": unit_of(service)}
        code, out = await restart(settings.restart_command, [service])
        if code != 0:
            raise CommandFailed(out.strip()[-500:] or f"the restart command exited with {code}")
        return {"restarted": unit_of(service)}

    async def do_reboot(_args: dict[str, Any]) -> dict[str, Any]:
        # The result is recorded and reported before the Pi goes down; the reboot follows.
        asyncio.get_running_loop().call_later(2.0, _spawn, settings.reboot_command)
        return {"rebooting_in_s": 2}

    async def do_logs(args: dict[str, Any]) -> dict[str, Any]:
        service = str(args.get("service", ""))
        lines = args.get("lines", 200)
        if service not in SERVICES:
            raise CommandFailed(f"args.service must be one of {', '.join(SERVICES)}, not {service!r}")
        if not isinstance(lines, int) or not 1 <= lines <= 5000:
            raise CommandFailed("args.lines must be an integer between 1 and 5000")
        if shutil.which("journalctl") is None:
            raise CommandFailed("journalctl is not installed on this device: no logs to send")
        code, out = await run_command(["journalctl", "-u", unit_of(service), "-n", str(lines), "--no-pager"])
        if code != 0:
            raise CommandFailed(f"journalctl exited with {code}: {out.strip()[-300:]}")
        return {"service": service, "lines": out.splitlines()[-lines:]}

    async def needs_hub(_args: dict[str, Any]) -> dict[str, Any]:
        raise CommandFailed(
            "this command needs a channel from the agent to the player through the hub, "
            "which this version of the hub does not offer yet"
        )

    return {
        "sync_now": do_sync,
        "apply_config": do_sync,
        "restart_service": do_restart,
        "reboot": do_reboot,
        "get_logs": do_logs,
        "play_clip": needs_hub,
        "set_volume": needs_hub,
        "screenshot": needs_hub,
    }


_BACKGROUND: set[asyncio.Future[object]] = set()


def _keep(future: asyncio.Future[object]) -> None:
    _BACKGROUND.add(future)
    future.add_done_callback(_BACKGROUND.discard)


def _spawn(command: str) -> None:
    _keep(asyncio.ensure_future(run_command(shlex.split(command))))


def _spawn_restart(template: str, service: str) -> None:
    _keep(asyncio.ensure_future(restart(template, [service])))
