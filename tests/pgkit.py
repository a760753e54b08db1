"""A throwaway PostgreSQL database per test session, migrated to head and dropped at the end;
and the fixtures that run a suite's tests on SQLite and on that database.

The server at 127.0.0.1:5432 is shared with other runs (CI, other sessions), so each
session makes its own uniquely named database. Shared by the cloud and analytics tests.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator

import psycopg
import pytest

from cloud_api.db.migrate import upgrade

PG_HOST = os.environ.get("NEOPRO_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


@contextlib.contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new, migrated database named ``<prefix>_<pid>_<random>``."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG_HOST}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_HOST.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(f"{PG_HOST}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_fixtures(name: str) -> tuple[Callable[..., object], ...]:
    """``postgres_database_url``, ``sqlite_database_url`` (both per session, migrated) and
    ``database_url``, which runs each test that asks for it once on each. A conftest takes
    them with ``postgres_database_url, sqlite_database_url, database_url = database_fixtures("x")``.
    """

    @pytest.fixture(scope="session")
    def postgres_database_url() -> Iterator[str]:
        with fresh_database(f"neopro_{name}_test") as url:
            yield url

    @pytest.fixture(scope="session")
    def sqlite_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp(f'{name}-db') / 'cloud.db'}"
        upgrade(url)
        return url

    @pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
    def database_url(request: pytest.FixtureRequest) -> str:
        return request.getfixturevalue(f"{request.param}_database_url")

    return postgres_database_url, sqlite_database_url, database_url
