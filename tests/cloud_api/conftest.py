"""Fixtures of the cloud API tests: every test runs on SQLite and on the real PostgreSQL.

PostgreSQL: one fresh database per test session, uniquely named (other engineers and CI
use the same server at the same time), migrated with alembic from empty and dropped at the
end. SQLite: one file per session. The app runs under a real uvicorn server on an ephemeral
127.0.0.1 port; tests talk to it with httpx and websockets, as a dashboard and an agent do.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cloud_testkit import Cloud, World, make_world, serve

from cloud_api.lib.settings import Settings
from tests.pgkit import database_fixtures

postgres_database_url, sqlite_database_url, database_url = database_fixtures("cloud")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "cloud",
        database_url=database_url,
        jwt_secret="test-secret-" + secrets.token_hex(32),  # 64+ bytes: the HS512 forgery test signs with it
        login_max_failures=5,
        max_upload_bytes=20 * 1024 * 1024,
        log_json=False,
        db_pool_size=5,
    )


@pytest.fixture
async def cloud(settings: Settings) -> AsyncIterator[Cloud]:
    server, task, url = await serve(settings)
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield Cloud(url=url, http=http, settings=settings)
    server.should_exit = True
    await task


@pytest.fixture
async def world(cloud: Cloud) -> World:
    return await make_world(cloud)


@pytest.fixture(scope="session")
def clip() -> Path:
    """A real 2 s H.264 clip, small (320x180), made with ffmpeg and cached by recipe."""
    from neopro.media.samples import ClipRecipe, make_clip

    return make_clip(ClipRecipe(title="Goal", color="0x1565C0", seconds=2.0, width=320, height=180))
