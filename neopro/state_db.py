"""``state.db``: the device's durable SQLite store, shared by player, hub and agent.

Every row in it is billable or irreplaceable, so: WAL (readers never block the writer),
``synchronous=FULL`` (a committed row survives a power cut), a busy timeout (three
processes write to it). Each component owns its own tables and migrates them itself
with :func:`migrate`, keyed by component name, so no component needs to know the others.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=ON",
)

_VERSIONS_DDL = """
CREATE TABLE IF NOT EXISTS schema_versions (
    component TEXT PRIMARY KEY,
    version   INTEGER NOT NULL
)
"""


def connect(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the pragmas every writer must use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


def migrate(conn: sqlite3.Connection, component: str, steps: Sequence[str]) -> int:
    """Apply the not-yet-applied ``steps`` (SQL scripts) of ``component``; returns its version."""
    conn.execute(_VERSIONS_DDL)
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT version FROM schema_versions WHERE component = ?", (component,)).fetchone()
        current = row[0] if row else 0
        for number, script in enumerate(steps[current:], start=current + 1):
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_versions(component, version) VALUES (?, ?) "
                "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
                (component, number),
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(steps)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


# -- the proof-of-play outbox: written by the player, drained by the agent --------------
OUTBOX_COMPONENT = "outbox"
OUTBOX_MIGRATIONS = (
    """
    CREATE TABLE outbox (
        event_id        TEXT PRIMARY KEY,
        kind            TEXT NOT NULL CHECK (kind IN ('proof_of_play', 'playback_error')),
        body            TEXT NOT NULL,              -- the contract's JSON, as uploaded
        closed          INTEGER NOT NULL DEFAULT 0, -- 1: final, may be uploaded
        boot_id         TEXT NOT NULL,
        created_mono_ns INTEGER NOT NULL
    );
    -- every index ends with the rowid already: (closed) lists ready rows in insertion order
    CREATE INDEX outbox_ready ON outbox(closed);
    """,
)


def open_outbox(path: Path) -> sqlite3.Connection:
    conn = connect(path)
    migrate(conn, OUTBOX_COMPONENT, OUTBOX_MIGRATIONS)
    return conn
