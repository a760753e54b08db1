"""Retention: raw heartbeats past N days and login attempts past the login window are deleted."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import httpx
from cloud_testkit import serve
from sqlalchemy import func, insert, select

from cloud_api.db.base import utcnow
from cloud_api.db.engine import make_engine
from cloud_api.db.models import HeartbeatRow, LoginAttempt


async def _count(engine, model, **where) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return await conn.scalar(query)


async def test_the_retention_job_trims_old_heartbeats_and_login_attempts(settings):
    settings = dataclasses.replace(settings, heartbeat_retention_days=30, retention_interval_s=0.3)
    engine = make_engine(settings)
    now = utcnow()
    site = f"retention-{now.timestamp()}"
    try:
        async with engine.begin() as conn:
            beats = [now - timedelta(days=d) for d in (45, 31, 29, 1)] + [now]
            await conn.execute(
                insert(HeartbeatRow),
                [{"site_id": site, "device_id": "d", "received_at": at, "outbox_backlog": 0} for at in beats],
            )
            tries = [
                now - timedelta(seconds=s)
                for s in (3 * settings.login_window_s, settings.login_window_s + 5, 60)
            ]
            await conn.execute(
                insert(LoginAttempt),
                [{"email": site, "address": "10.0.0.9", "at": at, "success": False} for at in tries],
            )
        server, task, url = await serve(settings)  # the job runs at start, then every 0.3 s
        try:
            deadline = asyncio.get_running_loop().time() + 10
            while await _count(engine, HeartbeatRow, site_id=site) > 3:
                assert asyncio.get_running_loop().time() < deadline, "the retention job never ran"
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
            async with engine.connect() as conn:
                kept = sorted(
                    (
                        await conn.scalars(
                            select(HeartbeatRow.received_at).where(HeartbeatRow.site_id == site)
                        )
                    ).all()
                )
            assert kept == sorted(beats[2:])
            assert await _count(engine, LoginAttempt, email=site) == 1
            async with httpx.AsyncClient(base_url=url) as http:
                assert (await http.get("/ready")).status_code == 200
        finally:
            server.should_exit = True
            await task
    finally:
        await engine.dispose()
