"""What the analytics domain keeps per instance (``app.state.analytics``) and its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar

from cloud_api.db.base import utcnow

from .alerts import evaluate
from .settings import AnalyticsSettings
from .writer import IngestWriter

log = logging.getLogger("cloud_api.analytics")


@dataclass
class AnalyticsRuntime:
    settings: AnalyticsSettings
    #: Set when the app starts (it needs the engine): see :func:`analytics_lifespan`.
    writer: IngestWriter | None = None
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)


def analytics_state(settings: AnalyticsSettings | None = None) -> AnalyticsRuntime:
    return AnalyticsRuntime(settings or AnalyticsSettings.from_env())


async def _alert_loop(app: Litestar) -> None:
    rt, analytics = app.state.runtime, app.state.analytics
    while True:
        await asyncio.sleep(analytics.settings.alert_interval_s)
        try:
            await evaluate(rt.engine, analytics.settings, utcnow())
        except Exception:
            log.exception("alert evaluation failed; retrying at the next interval")


@contextlib.asynccontextmanager
async def analytics_lifespan(app: Litestar) -> AsyncGenerator[None, None]:
    analytics: AnalyticsRuntime = app.state.analytics
    analytics.writer = IngestWriter(app.state.runtime.engine)
    await analytics.writer.start()
    task = asyncio.create_task(_alert_loop(app), name="alert-evaluator")
    try:
        yield
    finally:
        await analytics.writer.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
