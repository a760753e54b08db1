"""Running the hub as a service: listen, tell systemd it is ready, ping its watchdog, stop cleanly.

The unit (``systemd/neopro-remote.service``) is ``Type=notify`` with a watchdog: ``READY=1``
is sent once the port is open, ``WATCHDOG=1`` from the event loop itself, so a hub whose
loop is stuck stops pinging and is restarted. The notify protocol is one datagram to
``$NOTIFY_SOCKET``; no dependency is needed for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket

from aiohttp import web

from .app import create_app
from .settings import Settings

log = logging.getLogger(__name__)


def notify(state: str) -> bool:
    """Send ``state`` (``READY=1``, ``WATCHDOG=1``...) to systemd; False when not under it."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(state.encode(), address)
    except OSError:
        return False
    return True


def watchdog_interval_s() -> float | None:
    """Half of ``WATCHDOG_USEC``, or None when systemd set no watchdog for this process."""
    usec, pid = os.environ.get("WATCHDOG_USEC"), os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2e6


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
