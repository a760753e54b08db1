"""Helpers of the cloud API tests (fixtures live in conftest.py; tests import these)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import select

from cloud_api.db.engine import make_engine, make_sessionmaker
from cloud_api.db.models import User
from cloud_api.domain.accounts.guards import Role
from cloud_api.lib.security import TokenKeys, hash_password, new_id
from cloud_api.lib.settings import Settings
from cloud_api.server.app import create_app

PASSWORD = "correct-horse-battery"


@dataclass
class Cloud:
    """A running instance: its base URL, an HTTP client on it, and its settings."""

    url: str
    http: httpx.AsyncClient
    settings: Settings

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")


async def serve(settings: Settings) -> tuple[uvicorn.Server, asyncio.Task, str]:
    """The real app under a real uvicorn on an ephemeral 127.0.0.1 port, in this event loop."""
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=0, log_config=None, lifespan="on", ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, task, f"http://127.0.0.1:{port}"


_HASH: list[str] = []


async def make_user(settings: Settings, role: Role, club_id: str | None = None) -> str:
    """Create a person directly in the database (how the first platform admin comes to be).

    The argon2 hash of the shared test password is computed once per session: hashing is
    slow on purpose, and the tests of signing in do it through the API anyway.
    """
    if not _HASH:
        _HASH.append(await hash_password(PASSWORD))
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            email = f"{role.value}-{uuid.uuid4().hex[:10]}@example.org"
            session.add(
                User(id=new_id(), email=email, role=role.value, club_id=club_id, password_hash=_HASH[0])
            )
            await session.commit()
            return email
    finally:
        await engine.dispose()


async def token_for(settings: Settings, email: str) -> dict[str, str]:
    """An access token for a person, minted with the instance's key (what a login returns)."""
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            user = await session.scalar(select(User).where(User.email == email))
    finally:
        await engine.dispose()
    keys = TokenKeys(settings.jwt_secret, settings.jwt_issuer, settings.jwt_audience, settings.access_ttl_s)
    return bearer(keys.issue({"sub": user.id, "club": user.club_id, "role": user.role, "typ": "access"}))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict:
    r = await http.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


@dataclass
class Club:
    id: str
    admin: dict[str, str]
    operator: dict[str, str]
    site_id: str
    device: dict[str, str]
    device_id: str


@dataclass
class World:
    """A platform admin and two clubs, each with an admin, an operator and one enrolled site."""

    platform: dict[str, str]
    a: Club
    b: Club


async def enroll(http: httpx.AsyncClient, code: str) -> dict:
    r = await http.post("/device/v1/enroll", json={"code": code, "hardware": {"model": "Raspberry Pi 4"}})
    assert r.status_code == 201, r.text
    return r.json()


async def new_site(
    http: httpx.AsyncClient, headers: dict[str, str], name: str = "Club TV"
) -> tuple[str, str]:
    r = await http.post("/api/v1/sites", json={"name": name}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["site"]["id"], r.json()["enrollment"]["code"]


async def make_club(cloud: Cloud, platform: dict[str, str]) -> Club:
    http = cloud.http
    r = await http.post("/api/v1/clubs", json={"name": f"Club {uuid.uuid4().hex[:8]}"}, headers=platform)
    assert r.status_code == 201, r.text
    club_id = r.json()["id"]
    admin = await token_for(cloud.settings, await make_user(cloud.settings, Role.CLUB_ADMIN, club_id))
    operator = await token_for(cloud.settings, await make_user(cloud.settings, Role.CLUB_OPERATOR, club_id))
    site_id, code = await new_site(http, admin)
    enrolled = await enroll(http, code)
    return Club(club_id, admin, operator, site_id, bearer(enrolled["credential"]), enrolled["device_id"])


async def make_world(cloud: Cloud) -> World:
    email = await make_user(cloud.settings, Role.PLATFORM_ADMIN)
    platform = await token_for(cloud.settings, email)
    return World(platform=platform, a=await make_club(cloud, platform), b=await make_club(cloud, platform))


async def upload(
    http: httpx.AsyncClient, headers: dict[str, str], path: Path, name: str = "goal.mp4", **params: object
) -> httpx.Response:
    return await http.post(
        "/api/v1/media",
        params={"name": name, **params},
        content=await asyncio.to_thread(path.read_bytes),
        headers={**headers, "Content-Type": "video/mp4"},
    )


def config_doc(site_id: str, videos: list[dict] | None = None, **extra: object) -> dict:
    """A minimal valid site configuration document (neopro.contracts.SiteConfig)."""
    return {"site": {"id": site_id, "club_name": "AS Test"}, "videos": videos or [], **extra}


def video_entry(media: dict, video_id: str | None = None, **extra: object) -> dict:
    return {
        "id": video_id or media["id"], "title": "Goal", "sha256": media["sha256"], "ext": media["ext"],
        "duration_s": media["duration_s"], "size": media["size"], **extra,
    }  # fmt: skip
