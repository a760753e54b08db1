"""A throwaway PostgreSQL database per test session, migrated to head and dropped at the end.

The server at 127.0.0.1:5432 is shared with other runs (CI, other sessions), so each
session makes its own uniquely named database. Shared by the cloud and analytics tests.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

import psycopg

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
