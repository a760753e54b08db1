"""Running the hub as a service: listen, tell systemd it is ready, ping its watchdog, stop cleanly.

The unit (``systemd/neopro-remote.service``) is ``Type=notify`` with a watchdog: ``READY=1``
is sent once the port is open, ``WATCHDOG=1`` from the event loop itself, so a hub whose
loop is stuck stops pinging and is restarted. The notify protocol is in
:mod:`neopro.sd_notify`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from neopro.sd_notify import notify, watchdog_interval_s

from .app import create_app
from .settings import Settings

log = logging.getLogger(__name__)


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Serve until SIGTERM/SIGINT (or ``stop``), then close every socket and state.db."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(create_app(settings), access_log=None, shutdown_timeout=5)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
        log.info("hub listening on %s", ", ".join(f"http://{h}:{p}" for h, p, *_ in runner.addresses))
        notify("READY=1")
        interval = watchdog_interval_s()
        pinger = asyncio.create_task(_ping(interval)) if interval else None
        await stop.wait()
        notify("STOPPING=1")
        if pinger is not None:
            pinger.cancel()
    finally:
        await runner.cleanup()


async def _ping(interval: float) -> None:
    while True:
        notify("WATCHDOG=1")
        await asyncio.sleep(interval)
