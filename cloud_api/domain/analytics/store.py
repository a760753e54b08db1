"""The ingest writes, per dialect: one statement per batch, never one per event.

PostgreSQL: ``INSERT ... SELECT FROM json_populate_recordset(<the rows as JSON>) ON CONFLICT
DO NOTHING RETURNING event_id`` — a constant statement text (psycopg prepares it after a few
calls) whose size does not grow with the batch. SQLite: a multi-row ``INSERT ... VALUES`` with the
same ``ON CONFLICT DO NOTHING``. Rollups are upserted in key order, so two batches touching
the same rows always lock them in the same order and never deadlock.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_api.db.models import PlaybackErrorRow, PlayEvent, PlayRollup

ROLLUP_KEY = ("sponsor_id", "day", "site_id", "media_id", "phase", "trigger", "match_session_id")

# The rows travel as one JSON document that PostgreSQL turns back into table rows: one
# parameter whatever the batch size, encoded by msgspec and parsed by the server in C (a
# psycopg array per column costs more in Python than the whole insert on the server).
_PG_EVENTS = (
    "INSERT INTO play_events SELECT * FROM json_populate_recordset(NULL::play_events, %s::json) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)
_PG_ROLLUPS = (
    "INSERT INTO play_rollups SELECT * FROM json_populate_recordset(NULL::play_rollups, %s::json) "
    f"ON CONFLICT ({', '.join(ROLLUP_KEY)}) DO UPDATE SET plays = play_rollups.plays + excluded.plays, "
    "seconds = play_rollups.seconds + excluded.seconds, "
    "completed = play_rollups.completed + excluded.completed"
)


async def insert_events(conn: AsyncConnection, rows: list[dict[str, Any]]) -> set[str]:
    """Insert what is new; returns the ids actually inserted (the others were duplicates)."""
    if not rows:
        return set()
    if conn.dialect.name == "postgresql":
        result = await conn.exec_driver_sql(_PG_EVENTS, (msgspec.json.encode(rows).decode(),))
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
        await conn.exec_driver_sql(_PG_ROLLUPS, (msgspec.json.encode(rows).decode(),))
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
