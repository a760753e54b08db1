"""Fixtures of the analytics tests: every API test runs on SQLite and on the real PostgreSQL.

PostgreSQL: one fresh, uniquely named database per test session (other engineers use the same
server at the same time), migrated with alembic from empty and dropped at the end.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from analytics_kit import World, login, make_club, make_user, serve

from cloud_api.domain.accounts.guards import Role
from cloud_api.lib.settings import Settings
from tests.pgkit import database_fixtures

postgres_database_url, sqlite_database_url, database_url = database_fixtures("analytics")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "cloud",
        database_url=database_url,
        jwt_secret="test-secret-" + secrets.token_hex(16),
        log_json=False,
        db_pool_size=5,
    )


@pytest.fixture
async def http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    server, task, url = await serve(settings)
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        yield client
    server.should_exit = True
    await task


@pytest.fixture
async def world(http: httpx.AsyncClient, settings: Settings) -> World:
    platform = await login(http, (await make_user(settings, Role.PLATFORM_ADMIN))[0])
    return World(
        platform=platform,
        a=await make_club(http, settings, platform),
        b=await make_club(http, settings, platform),
        settings=settings,
    )
