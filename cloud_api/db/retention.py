"""Retention: the tables that grow with every beat and every login are trimmed by age.

Raw heartbeats (one row per site per beat: ~100,000 a day for a thousand sites) are kept
``heartbeat_retention_days``; ``site_status`` keeps each site's latest. Login attempts only
matter inside the login throttle's window. Every instance runs the job; the deletes are
idempotent, in batches so no transaction holds many locks or a long WAL segment.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cloud_api.db.base import utcnow
from cloud_api.db.models import HeartbeatRow, LoginAttempt
from cloud_api.lib.settings import Settings

log = logging.getLogger("cloud_api.retention")
BATCH = 5000


@dataclass(frozen=True)
class Purged:
    heartbeats: int
    login_attempts: int


async def _delete_older(
    engine: AsyncEngine, model: type[HeartbeatRow | LoginAttempt], cutoff: datetime
) -> int:
    """Delete ``model`` rows whose age column is before ``cutoff``, BATCH rows per transaction."""
    age = HeartbeatRow.received_at if model is HeartbeatRow else LoginAttempt.at
    total = 0
    while True:
        async with engine.begin() as conn:
            ids = select(model.id).where(age < cutoff).limit(BATCH).scalar_subquery()
            done = await conn.execute(delete(model).where(model.id.in_(ids)))
        total += done.rowcount
        if done.rowcount < BATCH:
            return total


async def purge(engine: AsyncEngine, settings: Settings, now: datetime | None = None) -> Purged:
    """Delete raw heartbeats past retention and login attempts past the login window."""
    now = now or utcnow()
    beats = await _delete_older(engine, HeartbeatRow, now - timedelta(days=settings.heartbeat_retention_days))
    logins = await _delete_older(engine, LoginAttempt, now - timedelta(seconds=settings.login_window_s))
    return Purged(beats, logins)


async def run_forever(engine: AsyncEngine, settings: Settings) -> None:
    while True:
        try:
            purged = await purge(engine, settings)
            if purged.heartbeats or purged.login_attempts:
                log.info("retention: deleted %s heartbeats, %s login attempts", *vars(purged).values())
        except Exception:
            log.exception("retention job failed; next in %.0f s", settings.retention_interval_s)
        await asyncio.sleep(settings.retention_interval_s)
