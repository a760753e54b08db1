"""The steps of ``neopro bench cloud`` (see :mod:`cloud_api.bench`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from cloud_api.db.migrate import upgrade
from cloud_api.db.models import Club, Device, Site, User
from cloud_api.lib.security import TokenKeys, new_id, new_secret, sha256_hex

from . import bench_load as load


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``neopro cloud`` as a child process."""

    def __init__(self, database_url: str, data_dir: Path, secret: str, workers: int) -> None:
        self.port = _free_port()
        self.env = {
            **os.environ,
            "NEOPRO_DATABASE_URL": database_url,
            "NEOPRO_CLOUD_DATA_DIR": str(data_dir),
            "NEOPRO_JWT_SECRET": secret,
            "NEOPRO_DB_POOL_SIZE": "16",
        }
        self.workers = workers
        self.log = data_dir / "server.log"
        self.proc: subprocess.Popen | None = None

    def _spawn(self) -> None:
        cmd = [sys.executable, "-m", "neopro", "--log-level", "WARNING", "cloud", "--port", str(self.port),
               "--workers", str(self.workers)]  # fmt: skip
        with open(self.log, "ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=log)

    async def start(self) -> None:
        self._spawn()
        assert self.proc is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server died; see {self.log}")
            try:
                status, _, _ = await load.one_request(
                    "127.0.0.1", self.port, load.http_request("GET", "/ready", "b", {})
                )
                if status == 200:
                    await asyncio.sleep(0.5 * self.workers)  # every worker up, not just the first
                    return
            except OSError:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError("the server never became ready")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


async def seed(database_url: str, agents: int) -> tuple[str, list[tuple[str, str]], str]:
    """A club with ``agents`` enrolled sites, straight into the database; returns credentials."""
    engine = create_async_engine(database_url)
    club_id, admin_id = new_id(), new_id()
    sites, devices, creds = [], [], []
    for i in range(agents):
        site_id, device_id, secret = new_id(), new_id(), new_secret()
        sites.append({"id": site_id, "club_id": club_id, "name": f"Site {i}"})
        devices.append(
            {
                "id": device_id,
                "site_id": site_id,
                "club_id": club_id,
                "secret_hash": sha256_hex(secret),
                "hardware": {},
            }
        )
        creds.append((site_id, f"{device_id}.{secret}"))
    async with engine.begin() as conn:
        await conn.execute(insert(Club), [{"id": club_id, "name": "Bench club"}])
        await conn.execute(insert(User), [{"id": admin_id, "club_id": club_id, "email": "bench@example.org",
                                           "role": "club_admin", "password_hash": "-"}])  # fmt: skip
        await conn.execute(insert(Site), sites)
        await conn.execute(insert(Device), devices)
    await engine.dispose()
    return club_id, creds, admin_id


def count_heartbeats(conninfo: str) -> int:
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT count(*) FROM heartbeats").fetchone()[0]


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    name = f"neopro_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    conninfo = f"{args.pg}/{name}"
    database_url = conninfo.replace("postgresql://", "postgresql+psycopg://")
    tmp = Path(tempfile.mkdtemp(prefix="neopro-bench-cloud-"))
    secret = secrets.token_urlsafe(32)
    server = Server(database_url, tmp, secret, args.workers)
    try:
        upgrade(database_url)
        club_id, creds, admin_id = await seed(database_url, args.agents)
        await server.start()
        result = await _measure(args, server, conninfo, creds, secret, admin_id, club_id)
    except BaseException:
        print(f"bench cloud failed; the server's log is kept in {server.log}", file=sys.stderr)
        raise
    else:
        shutil.rmtree(tmp, ignore_errors=True)
        return result
    finally:
        server.stop()
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _measure(args, server, conninfo, creds, secret, admin_id, club_id) -> dict[str, Any]:
    host, port = "127.0.0.1", server.port
    beat = json.dumps({"software_version": "1.0.0", "applied_config_version": 1, "cpu_percent": 21.5,
                       "temperature_c": 55.0, "disk_percent": 41.0, "memory_percent": 37.0, "uptime_s": 86400,
                       "outbox_backlog": 0}).encode()  # fmt: skip
    heartbeats = [
        load.http_request("POST", "/device/v1/heartbeat", host, {"Authorization": f"Bearer {c}"}, beat)
        for _, c in creds
    ]
    # Warm up (device look-ups cached, connections pooled); then the most it takes (closed
    # loop), then the offered rate (open loop): what is stored per second, and how late.
    await load.hammer(host, port, heartbeats, seconds=2, concurrency=args.concurrency, ok_status=204)
    before = count_heartbeats(conninfo)
    started = time.perf_counter()
    await load.hammer(
        host, port, heartbeats, seconds=args.seconds, concurrency=args.concurrency, ok_status=204
    )
    most = (count_heartbeats(conninfo) - before) / (time.perf_counter() - started)
    before = count_heartbeats(conninfo)
    hb = await load.offered(
        host,
        port,
        heartbeats,
        rate=args.rate,
        seconds=args.seconds,
        connections=args.connections,
        ok_status=204,
    )
    # From the first heartbeat due to the last answered (a 204 means stored): opening the
    # connections beforehand is not part of the rate.
    elapsed = hb.last_answer - hb.first_due
    stored = count_heartbeats(conninfo) - before

    manifests = []
    for _, credential in creds:
        auth = {"Authorization": f"Bearer {credential}"}
        _, head, _ = await load.one_request(
            host, port, load.http_request("GET", "/device/v1/manifest", host, auth)
        )
        etag = next(
            line.split(b":", 1)[1].strip().decode()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"etag:")
        )
        manifests.append(
            load.http_request("GET", "/device/v1/manifest", host, {**auth, "If-None-Match": etag})
        )
    mf = await load.hammer(
        host, port, manifests, seconds=args.seconds, concurrency=args.concurrency, ok_status=304
    )

    server.stop()  # the cloud restarts: every agent reconnects at once
    await server.start()
    storm = await load.reconnect_storm(f"ws://{host}:{port}/device/v1/push", [c for _, c in creds])

    arrivals: dict[str, float] = {}
    listeners = await load.listen_for_commands(storm.sockets, arrivals)
    keys = TokenKeys(secret, "neopro-cloud", "neopro-api", 3600)
    admin = {
        "Authorization": f"Bearer {keys.issue({'sub': admin_id, 'club': club_id, 'role': 'club_admin'})}"
    }
    connected = [site for (site, _), ws in zip(creds, storm.sockets, strict=True) if ws is not None]
    sent: dict[str, float] = {}
    reader, writer = await asyncio.open_connection(host, port)
    body = json.dumps({"type": "sync_now"}).encode()
    for _ in range(args.push_samples):
        request = load.http_request(
            "POST", f"/api/v1/sites/{random.choice(connected)}/commands", host, admin, body
        )
        t0 = time.perf_counter()
        writer.write(request)
        status, _, answer = await load.read_response(reader)
        if status == 201:
            sent[json.loads(answer)["id"]] = t0
        await asyncio.sleep(0.01)
    writer.close()
    await asyncio.sleep(1.0)
    push = [(arrivals[i] - t0) * 1000 for i, t0 in sent.items() if i in arrivals]
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in storm.sockets if ws is not None), return_exceptions=True)
    return {
        "heartbeat_rps": stored / elapsed,
        "heartbeat_offered_rps": args.rate,
        "heartbeat_offered": int(args.rate * args.seconds),
        "heartbeat_stored": stored,
        "heartbeat_max_rps": most,
        "heartbeat_p99_ms": load.percentile(hb.latencies, 0.99) * 1000,
        "heartbeat_p50_ms": load.percentile(hb.latencies, 0.50) * 1000,
        "heartbeat_errors": hb.errors,
        "reconnect_storm_s": storm.seconds,
        "reconnect_rejected": storm.rejected,
        "push_ms": {"p50": load.percentile(push, 0.5), "p95": load.percentile(push, 0.95)},
        "push_received": len(push),
        "push_sent": len(sent),
        "manifest_rps": mf.ok / args.seconds,
        "manifest_errors": mf.errors,
        "agents": len(creds),
        "workers": args.workers,
        "concurrency": args.concurrency,
    }
