"""The ingest writes, per dialect: one statement per batch, never one per event.

PostgreSQL: ``INSERT ... SELECT FROM unnest(<one array per column>) ON CONFLICT DO NOTHING
RETURNING event_id`` — a constant statement text (psycopg prepares it after a few calls)
whose size does not grow with the batch. SQLite: a multi-row ``INSERT ... VALUES`` with the
same ``ON CONFLICT DO NOTHING``. Rollups are upserted in key order, so two batches touching
the same rows always lock them in the same order and never deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_api.db.models import PlaybackErrorRow, PlayEvent, PlayRollup

EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("event_id", "text"),
    ("club_id", "text"),
    ("site_id", "text"),
    ("device_id", "text"),
    ("media_id", "text"),
    ("sponsor_id", "text"),
    ("category_id", "text"),
    ("phase", "text"),
    ("trigger", "text"),
    ("started_at", "timestamptz"),
    ("ended_at", "timestamptz"),
    ("day", "date"),
    ("device_started_at", "timestamptz"),
    ("seconds_on_screen", "float8"),
    ("completed", "bool"),
    ("interrupted_by", "text"),
    ("score_home", "int4"),
    ("score_away", "int4"),
    ("match_session_id", "text"),
    ("boot_id", "text"),
    ("started_mono_ns", "int8"),
    ("clock_synced", "bool"),
    ("clock_source", "text"),
    ("time_flag", "text"),
    ("received_at", "timestamptz"),
    ("seq", "int8"),
    ("prev_hash", "text"),
    ("hash", "text"),
)
ROLLUP_KEY = ("sponsor_id", "day", "site_id", "media_id", "phase", "trigger", "match_session_id")
ROLLUP_COLUMNS: tuple[tuple[str, str], ...] = (
    ("sponsor_id", "text"),
    ("day", "date"),
    ("site_id", "text"),
    ("media_id", "text"),
    ("phase", "text"),
    ("trigger", "text"),
    ("match_session_id", "text"),
    ("club_id", "text"),
    ("plays", "int8"),
    ("seconds", "float8"),
    ("completed", "int8"),
)


def _unnest_insert(table: str, columns: Sequence[tuple[str, str]], tail: str) -> str:
    names = ", ".join(name for name, _ in columns)
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in columns)
    return f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {tail}"


_PG_EVENTS = _unnest_insert(
    "play_events", EVENT_COLUMNS, "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)
_PG_ROLLUPS = _unnest_insert(
    "play_rollups",
    ROLLUP_COLUMNS,
    f"ON CONFLICT ({', '.join(ROLLUP_KEY)}) DO UPDATE SET plays = play_rollups.plays + excluded.plays, "
    "seconds = play_rollups.seconds + excluded.seconds, "
    "completed = play_rollups.completed + excluded.completed",
)


async def insert_events(conn: AsyncConnection, rows: list[dict[str, Any]]) -> set[str]:
    """Insert what is new; returns the ids actually inserted (the others were duplicates)."""
    if not rows:
        return set()
    if conn.dialect.name == "postgresql":
        arrays = tuple([row[name] for row in rows] for name, _ in EVENT_COLUMNS)
        result = await conn.exec_driver_sql(_PG_EVENTS, arrays)
        return {r[0] for r in result}
    inserted: set[str] = set()
    for start in range(0, len(rows), 500):  # SQLite's limit on bound variables per statement
        stmt = sqlite_insert(PlayEvent).values(rows[start : start + 500])
        stmt = stmt.on_conflict_do_nothing(index_elements=["event_id"]).returning(PlayEvent.event_id)
        inserted.update((await conn.execute(stmt)).scalars())
    return inserted


async def upsert_rollups(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    rows = sorted(rows, key=lambda r: tuple(str(r[k]) for k in ROLLUP_KEY))
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql(
            _PG_ROLLUPS, tuple([row[name] for row in rows] for name, _ in ROLLUP_COLUMNS)
        )
        return
    for start in range(0, len(rows), 500):
        stmt = sqlite_insert(PlayRollup).values(rows[start : start + 500])
        stmt = stmt.on_conflict_do_update(
            index_elements=list(ROLLUP_KEY),
            set_={
                "plays": PlayRollup.plays + stmt.excluded.plays,
                "seconds": PlayRollup.seconds + stmt.excluded.seconds,
                "completed": PlayRollup.completed + stmt.excluded.completed,
            },
        )
        await conn.execute(stmt)


async def insert_errors(conn: AsyncConnection, rows: list[dict[str, Any]]) -> set[str]:
    if not rows:
        return set()
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(PlaybackErrorRow).values(rows).on_conflict_do_nothing(index_elements=["event_id"])
    else:
        stmt = (
            sqlite_insert(PlaybackErrorRow).values(rows).on_conflict_do_nothing(index_elements=["event_id"])
        )
    return set((await conn.execute(stmt.returning(PlaybackErrorRow.event_id))).scalars())


def rollup_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sum the inserted events by rollup key ('' stands for none)."""
    sums: dict[tuple, dict[str, Any]] = {}
    for e in events:
        key = (
            e["sponsor_id"] or "",
            e["day"],
            e["site_id"],
            e["media_id"],
            e["phase"],
            e["trigger"],
            e["match_session_id"] or "",
        )
        row = sums.get(key)
        if row is None:
            row = sums[key] = {
                **dict(zip(ROLLUP_KEY, key, strict=True)),
                "club_id": e["club_id"],
                "plays": 0,
                "seconds": 0.0,
                "completed": 0,
            }
        row["plays"] += 1
        row["seconds"] += e["seconds_on_screen"]
        row["completed"] += 1 if e["completed"] else 0
    return list(sums.values())
