"""A lost push is made good: the periodic sweep, and the resend after the bus listener reconnects.

A command is written straight into the database with no bus message, as happens when the
notification is published while the LISTEN connection is reconnecting: only the sweep or the
resend-on-reconnect can deliver it. The agent is a real websocket client of a real server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets

import httpx
import psycopg
import pytest
from cloud_testkit import Cloud, make_world, serve
from websockets.asyncio.client import connect

from cloud_api.db.engine import make_engine, make_sessionmaker
from cloud_api.domain.commands import services
from cloud_api.domain.commands.schemas import CommandCreate
from cloud_api.lib.settings import Settings
from neopro.contracts.device_api import CommandType, PushCommand, PushHello, decode_push
from tests.pgkit import PG_HOST


async def _queue_silently(settings: Settings, club) -> str:
    """A queued command that no bus message announces."""
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            command = services.new_command(
                club.site_id, club.id, CommandCreate(type=CommandType.SYNC_NOW), None
            )
            session.add(command)
            await session.commit()
            return command.id
    finally:
        await engine.dispose()


async def _frame(ws, within: float):
    return decode_push(await asyncio.wait_for(ws.recv(), within))


async def _running(settings: Settings):
    server, task, url = await serve(settings)
    http = httpx.AsyncClient(base_url=url, timeout=30)
    return Cloud(url=url, http=http, settings=settings), server, task


async def test_the_sweep_resends_commands_a_connected_site_never_acknowledged(settings):
    cloud, server, task = await _running(dataclasses.replace(settings, command_resend_s=0.5))
    try:
        world = await make_world(cloud)
        async with connect(f"{cloud.ws_url}/device/v1/push", additional_headers=world.a.device) as ws:
            assert isinstance(await _frame(ws, 5), PushHello)
            command_id = await _queue_silently(settings, world.a)
            first = await _frame(ws, 3)  # the sweep finds the queued command
            assert isinstance(first, PushCommand) and first.command.id == command_id
            assert first.command.attempts == 1
            again = await _frame(ws, 3)  # not acknowledged: pushed again by a later sweep
            assert isinstance(again, PushCommand) and again.command.id == command_id
            assert again.command.attempts == 2
            r = await cloud.http.post(f"/device/v1/commands/{command_id}/ack", headers=world.a.device)
            assert r.status_code == 200
            with pytest.raises(asyncio.TimeoutError):  # acknowledged: never pushed again
                await _frame(ws, 1.5)
    finally:
        await cloud.http.aclose()
        server.should_exit = True
        await task


@pytest.mark.postgres
async def test_after_the_bus_listener_reconnects_connected_sites_get_missed_commands(
    postgres_database_url, tmp_path
):
    settings = Settings(
        data_dir=tmp_path / "cloud", database_url=postgres_database_url, log_json=False,
        jwt_secret=secrets.token_urlsafe(32), db_pool_size=5,
    )  # fmt: skip
    cloud, server, task = await _running(settings)  # the sweep (60 s) stays out of the way
    try:
        world = await make_world(cloud)
        async with connect(f"{cloud.ws_url}/device/v1/push", additional_headers=world.a.device) as ws:
            assert isinstance(await _frame(ws, 5), PushHello)
            command_id = await _queue_silently(settings, world.a)
            with pytest.raises(asyncio.TimeoutError):
                await _frame(ws, 0.5)
            # The listener's connection drops (a PostgreSQL restart, a failover): it reconnects.
            database = postgres_database_url.rsplit("/", 1)[1]
            async with await psycopg.AsyncConnection.connect(f"{PG_HOST}/postgres", autocommit=True) as admin:
                cur = await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND query LIKE 'LISTEN%%'",
                    (database,),
                )
                assert (await cur.fetchall()) == [(True,)]
            frame = await _frame(ws, 5)
            assert isinstance(frame, PushCommand) and frame.command.id == command_id
    finally:
        await cloud.http.aclose()
        server.should_exit = True
        await task
