"""What each cloud command does on this Pi (the update lives in :mod:`.update`)."""

from __future__ import annotations

import asyncio
import shlex
import shutil
from collections.abc import Awaitable, Callable
from typing import Any

from neopro.contracts import ContractError, Trigger, wire

from .commands import CommandFailed, Handler
from .hub_link import HubLink, HubUnavailable
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

    return {
        "sync_now": do_sync,
        "apply_config": do_sync,
        "restart_service": do_restart,
        "reboot": do_reboot,
        "get_logs": do_logs,
    }


def player_handlers(hub: HubLink) -> dict[str, Handler]:
    """Commands the player carries out, asked through the hub (the TV must be connected to it)."""

    async def ask(msg: wire.Message, settled_by: tuple[type, ...]) -> wire.Message:
        try:
            answer = await hub.ask(msg, settled_by=settled_by)
        except HubUnavailable as exc:
            raise CommandFailed(f"{exc}; the TV could not be asked") from None
        if isinstance(answer, wire.Error):
            raise CommandFailed(f"the player refused: {answer.message} ({answer.code})")
        return answer

    async def do_play(args: dict[str, Any]) -> dict[str, Any]:
        media_id = args.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise CommandFailed("args.media_id must name a video of the site's configuration")
        msg = wire.PlayVideo(video_id=media_id, trigger=Trigger.CLOUD)
        try:  # building a Struct checks no constraint: decoding it does, as the hub will
            wire.any_codec.decode(wire.encode(msg))
        except ContractError as exc:
            raise CommandFailed(f"args.media_id {media_id!r:.80} is not a video id: {exc}") from None
        started = await ask(msg, (wire.Started,))
        return {"on_air": getattr(started, "video_id", media_id)}

    async def do_volume(args: dict[str, Any]) -> dict[str, Any]:
        volume = args.get("volume")
        if not isinstance(volume, int) or isinstance(volume, bool) or not 0 <= volume <= 100:
            raise CommandFailed("args.volume must be an integer from 0 to 100")
        await ask(wire.SetVolume(volume=volume), (wire.Ack,))
        return {"volume": volume}

    async def do_screenshot(_args: dict[str, Any]) -> dict[str, Any]:
        shot = await ask(wire.TakeScreenshot(), (wire.Screenshot,))
        assert isinstance(shot, wire.Screenshot)
        return {
            "jpeg_base64": shot.jpeg_base64,
            "width": shot.width,
            "height": shot.height,
            "taken_at": shot.taken_at.isoformat(),
        }

    return {"play_clip": do_play, "set_volume": do_volume, "screenshot": do_screenshot}


_BACKGROUND: set[asyncio.Future[object]] = set()


def _keep(future: asyncio.Future[object]) -> None:
    _BACKGROUND.add(future)
    future.add_done_callback(_BACKGROUND.discard)


def _spawn(command: str) -> None:
    _keep(asyncio.ensure_future(run_command(shlex.split(command))))


def _spawn_restart(template: str, service: str) -> None:
    _keep(asyncio.ensure_future(restart(template, [service])))
