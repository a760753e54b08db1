"""A real cloud API process (``neopro cloud``) and an admin's client for it: for the bench and the tests.

The agent's benchmark and tests talk to the cloud only over HTTP, as a Pi and a dashboard
do: the admin creates a club and a site, uploads clips, publishes configurations and
queues commands through the public API; the agent enrolls with the site's code. Imported
only by ``neopro bench agent`` and the tests (it needs httpx and psycopg, which the Pi has not).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from neopro.supervisor import free_port, wait_for_port

PG_HOST = os.environ.get("NEOPRO_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
ADMIN_EMAIL = "platform@example.org"
ADMIN_PASSWORD = "correct-horse-battery"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, uniquely named database on the shared server, dropped afterwards."""
    name = f"neopro_agent_test_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG_HOST}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_HOST.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    finally:
        with psycopg.connect(f"{PG_HOST}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class CloudProcess:
    url: str
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path
    database_url: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def stored_event_ids(self, site_id: str | None = None) -> list[str]:
        """The proof-of-play event ids in the cloud's database (one row per stored event)."""
        if site_id is None:
            return [row[0] for row in self.query("SELECT event_id FROM play_events", ())]
        return [
            row[0] for row in self.query("SELECT event_id FROM play_events WHERE site_id = ?", (site_id,))
        ]

    def query(self, sql: str, args: tuple) -> list[tuple]:  # type: ignore[type-arg]
        if self.database_url.startswith("sqlite"):
            import sqlite3

            conn = sqlite3.connect(self.database_url.split("///", 1)[1], timeout=30)
            try:
                return conn.execute(sql, args).fetchall()
            finally:
                conn.close()
        url = self.database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url) as conn:
            return conn.execute(sql.replace("?", "%s"), args).fetchall()


@contextmanager
def run_cloud(
    workdir: Path, database_url: str | None = None, *, max_upload_bytes: int | None = None
) -> Iterator[CloudProcess]:
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "NEOPRO_CLOUD_DATA_DIR": str(workdir / "cloud"),
        "NEOPRO_DATABASE_URL": database_url or f"sqlite+aiosqlite:///{workdir / 'cloud.db'}",
        "NEOPRO_JWT_SECRET": secrets.token_urlsafe(32),
        "NEOPRO_LOG_JSON": "0",
    }
    if max_upload_bytes:
        env["NEOPRO_MAX_UPLOAD_BYTES"] = str(max_upload_bytes)
    neopro = [sys.executable, "-m", "neopro"]
    subprocess.run(
        [*neopro, "cloud", "create-admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD],
        env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    port = free_port()
    log_path = workdir / "cloud.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([*neopro, "cloud", "--port", str(port)], env=env, stdout=log, stderr=log)
    try:
        wait_for_port(port, timeout=60)
        yield CloudProcess(f"http://127.0.0.1:{port}", port, proc, log_path, env["NEOPRO_DATABASE_URL"])
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Admin:
    """The platform admin, through the cloud's public API."""

    def __init__(self, url: str) -> None:
        self.http = httpx.AsyncClient(base_url=url, timeout=60)
        self.headers: dict[str, str] = {}

    async def login(self) -> Admin:
        r = await self.http.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        assert r.status_code == 200, r.text
        self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return self

    async def close(self) -> None:
        await self.http.aclose()

    async def call(self, method: str, path: str, **kw: object) -> httpx.Response:
        r = await self.http.request(method, path, headers={**self.headers, **kw.pop("headers", {})}, **kw)  # type: ignore[arg-type]
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        return r

    async def new_site(self) -> tuple[str, str, str]:
        """(club id, site id, enrollment code)."""
        club = (
            await self.call("POST", "/api/v1/clubs", json={"name": f"Club {uuid.uuid4().hex[:8]}"})
        ).json()
        r = await self.call("POST", "/api/v1/sites", json={"name": "Club TV", "club_id": club["id"]})
        return club["id"], r.json()["site"]["id"], r.json()["enrollment"]["code"]

    async def upload(self, data: bytes, name: str, club_id: str) -> dict:
        r = await self.call(
            "POST", "/api/v1/media", params={"name": name, "club_id": club_id},
            content=data, headers={"Content-Type": "video/mp4"},
        )  # fmt: skip
        return r.json()["media"]

    async def publish(self, site_id: str, media: list[dict], *, note: str = "") -> int:
        videos = [
            {"id": m["id"], "title": m["name"][:80], "sha256": m["sha256"], "ext": m["ext"],
             "duration_s": m["duration_s"], "size": m["size"]}
            for m in media
        ]  # fmt: skip
        draft = (await self.call("GET", f"/api/v1/sites/{site_id}/config/draft")).json()["document"]
        draft["videos"] = videos
        draft["loops"] = {"neutral": [{"video": v["id"]} for v in videos]}
        await self.call("PUT", f"/api/v1/sites/{site_id}/config/draft", json=draft)
        r = await self.call("POST", f"/api/v1/sites/{site_id}/config/publish", json={"note": note})
        return int(r.json()["version"])

    async def command(self, site_id: str, type_: str, args: dict | None = None, **kw: object) -> dict:
        r = await self.call(
            "POST", f"/api/v1/sites/{site_id}/commands", json={"type": type_, "args": args or {}, **kw}
        )
        return r.json()

    async def get_command(self, site_id: str, command_id: str) -> dict:
        return (await self.call("GET", f"/api/v1/sites/{site_id}/commands/{command_id}")).json()

    async def site_status(self, site_id: str) -> dict:
        return (await self.call("GET", f"/api/v1/sites/{site_id}/status")).json()
