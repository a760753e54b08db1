"""Start and stop what an instance holds: the push bus, the heartbeat writer, the engine."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

from litestar import Litestar

from cloud_api.db import retention
from cloud_api.lib.bus_messages import BusMessage, ConfigPublished

from .runtime import Runtime


def bus_handler(rt: Runtime) -> Any:
    async def handle(message: BusMessage) -> None:
        if isinstance(message, ConfigPublished):
            rt.manifests.forget(message.site_id)
        await rt.hub.on_bus(message)

    return handle


@contextlib.asynccontextmanager
async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
    rt: Runtime = app.state.runtime
    await rt.heartbeats.start()
    await rt.bus.start(bus_handler(rt), on_reconnect=rt.hub.resend_all)
    rt.spawn(rt.hub.sweep_forever(rt.settings.command_resend_s), "command-sweep")
    rt.spawn(retention.run_forever(rt.engine, rt.settings), "retention")
    try:
        yield
    finally:
        await rt.hub.close_all()
        await rt.bus.stop()
        await rt.heartbeats.stop()
        for task in list(rt.tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*rt.tasks, return_exceptions=True)
        await rt.reads.close()
        await rt.engine.dispose()
