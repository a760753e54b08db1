"""Helpers of the analytics tests: a running cloud, two clubs with enrolled devices, events.

The same approach as the cloud core's tests: a real uvicorn server on an ephemeral loopback
port, a real database (SQLite file or a fresh PostgreSQL database), httpx as the client.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import msgspec
import uvicorn

from cloud_api.db.engine import make_engine, make_sessionmaker
from cloud_api.domain.accounts import services as accounts
from cloud_api.domain.accounts.guards import Role
from cloud_api.domain.accounts.schemas import UserCreate
from cloud_api.lib.settings import Settings
from cloud_api.server.app import create_app
from neopro.contracts.proof_of_play import ProofOfPlay

PASSWORD = "correct-horse-battery"


async def serve(settings: Settings) -> tuple[uvicorn.Server, asyncio.Task, str]:
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, task, f"http://127.0.0.1:{port}"


async def make_user(settings: Settings, role: Role, club_id: str | None = None) -> tuple[str, str]:
    """(email, user id), created directly in the database."""
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            email = f"{role.value}-{uuid.uuid4().hex[:10]}@example.org"
            user = await accounts.create_user(
                session, None, UserCreate(email=email, password=PASSWORD, role=role, club_id=club_id)
            )
            await session.commit()
            return email, user.id
    finally:
        await engine.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    r = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return bearer(r.json()["access_token"])


@dataclass
class Club:
    id: str
    name: str
    admin: dict[str, str]
    site_id: str
    device: dict[str, str]
    device_id: str
    sponsor_id: str


@dataclass
class World:
    platform: dict[str, str]
    a: Club
    b: Club
    settings: Settings
    extra: dict = field(default_factory=dict)


async def make_club(http: httpx.AsyncClient, settings: Settings, platform: dict[str, str]) -> Club:
    name = f"Club {uuid.uuid4().hex[:8]}"
    r = await http.post("/api/v1/clubs", json={"name": name}, headers=platform)
    assert r.status_code == 201, r.text
    club_id = r.json()["id"]
    admin = await login(http, (await make_user(settings, Role.CLUB_ADMIN, club_id))[0])
    r = await http.post("/api/v1/sites", json={"name": f"{name} stadium"}, headers=admin)
    assert r.status_code == 201, r.text
    site_id, code = r.json()["site"]["id"], r.json()["enrollment"]["code"]
    r = await http.post("/device/v1/enroll", json={"code": code, "hardware": {"model": "Raspberry Pi 4"}})
    assert r.status_code == 201, r.text
    enrolled = r.json()
    r = await http.post("/api/v1/sponsors", json={"name": f"Sponsor of {name}"}, headers=admin)
    assert r.status_code == 201, r.text
    return Club(
        club_id, name, admin, site_id, bearer(enrolled["credential"]), enrolled["device_id"], r.json()["id"]
    )


def play(
    sponsor_id: str | None,
    *,
    start: datetime | None = None,
    n: int = 0,
    seconds: float = 15.0,
    completed: bool = True,
    phase: str = "during",
    trigger: str = "loop",
    match: str | None = "match-1",
    media_id: str = "promo-1",
    boot_id: str = "boot-1",
    synced: bool = True,
    **extra,
) -> ProofOfPlay:
    start = start or datetime(2026, 11, 21, 15, 0, tzinfo=UTC) + timedelta(seconds=20 * n)
    return ProofOfPlay(
        event_id=uuid.uuid4().hex, media_id=media_id, sha256="a" * 64, sponsor_id=sponsor_id, phase=phase,
        trigger=trigger, started_at=start, ended_at=start + timedelta(seconds=seconds),
        seconds_on_screen=seconds, completed=completed, match_session_id=match, boot_id=boot_id,
        started_mono_ns=10**9 * (1000 + 20 * n), ended_mono_ns=10**9 * (1000 + 20 * n) + int(seconds * 1e9),
        clock_synced=synced, **extra,
    )  # fmt: skip


def batch(events: list, **extra) -> bytes:
    raws = [e if isinstance(e, bytes) else msgspec.json.encode(e) for e in events]
    return msgspec.json.encode({"events": [msgspec.Raw(r) for r in raws], **extra})


async def upload(http: httpx.AsyncClient, device: dict[str, str], events: list, **extra) -> httpx.Response:
    return await http.post(
        "/device/v1/events",
        content=batch(events, **extra),
        headers={**device, "Content-Type": "application/json"},
    )
