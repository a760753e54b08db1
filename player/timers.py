"""A periodic task that survives a bad tick (but not a dead libmpv)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from .engine import MpvFailure

log = logging.getLogger(__name__)


async def every(seconds: float, action: Callable[[], Awaitable[None] | None]) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            result = action()
            if asyncio.iscoroutine(result):
                await result
        except MpvFailure:
            raise
        except Exception:  # one failed tick must not end the timer
            log.exception("periodic task %s failed", getattr(action, "__name__", action))
