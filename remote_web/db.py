"""The hub's tables in ``state.db``: match state, match sessions, people's credentials.

Migrated with :func:`neopro.state_db.migrate` under the component name ``hub``; the
player and the agent own their own tables in the same file.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite

from neopro import state_db

COMPONENT = "hub"
MIGRATIONS = (
    """
    CREATE TABLE hub_match (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        home_name   TEXT NOT NULL,
        away_name   TEXT NOT NULL,
        home_score  INTEGER NOT NULL,
        away_score  INTEGER NOT NULL,
        phase       TEXT NOT NULL,
        session_id  TEXT REFERENCES hub_match_sessions(id)
    );
    CREATE TABLE hub_match_sessions (
        id                TEXT PRIMARY KEY,
        started_at        TEXT NOT NULL,
        ended_at          TEXT,
        opponent          TEXT NOT NULL DEFAULT '',
        competition       TEXT NOT NULL DEFAULT '',
        audience_estimate INTEGER NOT NULL DEFAULT 0,
        home_name         TEXT NOT NULL DEFAULT '',
        away_name         TEXT NOT NULL DEFAULT '',
        home_score        INTEGER NOT NULL DEFAULT 0,
        away_score        INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE hub_credentials (
        role        TEXT PRIMARY KEY CHECK (role IN ('operator', 'admin')),
        hash        TEXT NOT NULL,
        changed_at  REAL NOT NULL
    );
    CREATE TABLE hub_sessions (
        token_sha   TEXT PRIMARY KEY,
        role        TEXT NOT NULL,
        csrf        TEXT NOT NULL,
        created_at  REAL NOT NULL,
        expires_at  REAL NOT NULL
    );
    CREATE TABLE hub_login_failures (
        role        TEXT NOT NULL,
        at          REAL NOT NULL
    );
    CREATE INDEX hub_login_failures_role ON hub_login_failures(role, at);
    """,
)


def _migrate(path: Path) -> None:
    conn = state_db.connect(path)
    try:
        state_db.migrate(conn, COMPONENT, MIGRATIONS)
    finally:
        conn.close()


async def open_db(path: Path) -> aiosqlite.Connection:
    """Migrate (in a thread) and open the hub's connection with the shared pragmas."""
    await asyncio.to_thread(_migrate, path)
    conn = await aiosqlite.connect(path, isolation_level=None, timeout=10)
    for pragma in state_db.PRAGMAS:
        await conn.execute(pragma)
    return conn
