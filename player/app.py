"""The player process: the state machine, its hub link, its timers, systemd's watchdog.

Exit codes: 0 on SIGTERM/SIGINT, 1 when libmpv fails (systemd restarts the unit).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time

from neopro import sd_notify

from .engine import MpvFailure
from .hub_client import HubClient
from .player import Player
from .settings import PlayerSettings
from .timers import every

log = logging.getLogger(__name__)

#: A clip that should be playing but whose position has not moved for this long is a fault.
STALL_S = 5.0


class Health:
    """Healthy = the picture is moving, or it is still on purpose (idle, paused, blackout)."""

    def __init__(self, player: Player) -> None:
        self.player = player
        self._last_pos: float | None = None
        self._moved_at = time.monotonic()

    def healthy(self) -> bool:
        p = self.player
        if p.engine is None or not p.engine.alive():
            return False
        pos, now = p.engine.time_pos, time.monotonic()
        if p.idle or p.paused or p.blackout or pos != self._last_pos:
            self._last_pos, self._moved_at = pos, now
            return True
        return now - self._moved_at < STALL_S


async def run_player(
    settings: PlayerSettings, *, stop: asyncio.Event | None = None, started: asyncio.Future | None = None
) -> int:
    """Run until ``stop`` is set (or SIGTERM/SIGINT when no ``stop`` is given); the exit code.

    ``started`` receives the :class:`Player` once it is up (tests and the benchmark use it).
    """
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)

    player = Player(settings)
    try:
        await player.start()
    except MpvFailure as exc:
        log.error("%s", exc)
        return 1
    sd_notify.notify("READY=1")
    client = HubClient(settings.hub_url, settings.data_dir.player_token(), player)
    health = Health(player)
    if started is not None:
        started.set_result(player)

    async def watchdog() -> None:
        if health.healthy():
            sd_notify.notify("WATCHDOG=1")

    def position() -> None:
        if player.segment is not None and not player.paused and not player.blackout:
            client.publish_state()

    tasks = [
        asyncio.create_task(client.run(), name="hub"),
        asyncio.create_task(every(settings.position_interval_s, position), name="position"),
        asyncio.create_task(every(sd_notify.watchdog_interval_s() or 1.0, watchdog), name="watchdog"),
    ]
    stopped = asyncio.create_task(stop.wait())
    assert player.failure is not None
    done, _ = await asyncio.wait([stopped, player.failure, *tasks], return_when=asyncio.FIRST_COMPLETED)
    code = 0
    if player.failure.done():
        code = 1
    for task in done:
        if task is not stopped and task is not player.failure and task.exception() is not None:
            log.error("task %s failed: %s", task.get_name(), task.exception())
            code = 1
    sd_notify.notify("STOPPING=1")
    for task in [*tasks, stopped]:
        task.cancel()
    await asyncio.gather(*tasks, stopped, return_exceptions=True)
    await player.stop()
    return code
