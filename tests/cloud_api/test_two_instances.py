"""Two real server processes on one PostgreSQL behave as one: push crosses instances.

This is PostgreSQL-only by nature: on SQLite there is one process (the bus is in-process).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cloud_testkit import Cloud, make_world
from websockets.asyncio.client import connect

from cloud_api.lib.settings import Settings
from neopro.contracts.device_api import PushCommand, PushHello, decode_push

pytestmark = pytest.mark.postgres


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(database_url: str, data_dir: Path, secret: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "NEOPRO_DATABASE_URL": database_url, "NEOPRO_CLOUD_DATA_DIR": str(data_dir),
           "NEOPRO_JWT_SECRET": secret, "NEOPRO_LOG_JSON": "1"}  # fmt: skip
    with open(data_dir.with_suffix(".log"), "wb") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "neopro", "cloud", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    return proc, f"http://127.0.0.1:{port}"


async def wait_ready(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the server process died"
            try:
                if (await http.get(f"{url}/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never became ready")


async def test_a_command_created_on_one_instance_reaches_an_agent_on_the_other(
    postgres_database_url, tmp_path
):
    secret = secrets.token_urlsafe(32)
    procs = [start(postgres_database_url, tmp_path / name, secret) for name in ("one", "two")]
    try:
        for proc, url in procs:
            await wait_ready(url, proc)
        (_, url_one), (_, url_two) = procs
        settings = Settings(data_dir=tmp_path / "one", database_url=postgres_database_url, jwt_secret=secret)
        async with httpx.AsyncClient(base_url=url_one, timeout=30) as http:
            world = await make_world(Cloud(url_one, http, settings))
            ws_two = url_two.replace("http://", "ws://") + "/device/v1/push"
            async with connect(ws_two, additional_headers=world.a.device, open_timeout=5) as ws:
                assert isinstance(decode_push(await asyncio.wait_for(ws.recv(), 5)), PushHello)
                started = time.monotonic()
                r = await http.post(
                    f"/api/v1/sites/{world.a.site_id}/commands",
                    json={"type": "sync_now"},
                    headers=world.a.admin,
                )
                assert r.status_code == 201
                frame = decode_push(await asyncio.wait_for(ws.recv(), 2))
                assert isinstance(frame, PushCommand) and frame.command.id == r.json()["id"]
                assert time.monotonic() - started < 1.0
            # A revocation on one instance closes the door on the other at once.
            await http.post(
                f"/api/v1/sites/{world.b.site_id}/devices/{world.b.device_id}/revoke", headers=world.b.admin
            )
            await asyncio.sleep(0.3)
            async with httpx.AsyncClient(base_url=url_two) as other:
                assert (
                    await other.post("/device/v1/heartbeat", json={}, headers=world.b.device)
                ).status_code == 401
    finally:
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            proc.wait(10)
