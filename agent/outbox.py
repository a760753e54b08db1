"""The agent's side of the proof-of-play outbox in ``state.db``.

The player inserts a row when a clip starts and marks it ``closed=1`` when the row is
final. The agent reads closed rows in ``rowid`` order (the order they were written), sends
them as a batch, and deletes exactly the rows it sent, only after the cloud answered 2xx.
A crash between the 2xx and the delete re-sends the batch; the cloud ignores event ids it
already has, so every play is counted once.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from neopro.state_db import migrate, open_outbox

#: The agent's own table beside the outbox: events the cloud refused, kept with its reason.
REJECTED_COMPONENT = "agent_rejected_events"
REJECTED_MIGRATIONS = (
    """
    CREATE TABLE agent_rejected_events (
        event_id    TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        body        TEXT NOT NULL,
        reason      TEXT NOT NULL,
        rejected_at REAL NOT NULL
    );
    """,
)


@dataclass(frozen=True)
class OutboxRow:
    rowid: int
    event_id: str
    kind: str
    body: bytes


class Outbox:
    """Blocking SQLite work runs in a thread; one connection, used by one task at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = open_outbox(self.path)
            migrate(self._conn, REJECTED_COMPONENT, REJECTED_MIGRATIONS)
        return self._conn

    async def _run(self, fn, *args):  # type: ignore[no-untyped-def]
        async with self._lock:
            return await asyncio.to_thread(fn, *args)

    # -- blocking helpers ------------------------------------------------------------
    def _read(self, limit: int, after_rowid: int) -> list[OutboxRow]:
        rows = self._db().execute(
            "SELECT rowid, event_id, kind, body FROM outbox "
            "WHERE closed = 1 AND rowid > ? ORDER BY rowid LIMIT ?",
            (after_rowid, limit),
        )
        return [OutboxRow(r[0], r[1], r[2], r[3].encode() if isinstance(r[3], str) else r[3]) for r in rows]

    def _delete(self, rowids: list[int]) -> int:
        # By rowid: twice as fast as by event id (no text-key look-up), and exact, because
        # only the agent deletes (one batch at a time), so a rowid read cannot be reused
        # before this delete; a closed row is final, the player no longer writes it.
        conn = self._db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            deleted = 0
            for start in range(0, len(rowids), 500):
                chunk = rowids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                cur = conn.execute(f"DELETE FROM outbox WHERE closed = 1 AND rowid IN ({marks})", chunk)
                deleted += cur.rowcount
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return deleted

    def _keep_rejected(self, rows: list[OutboxRow], reasons: dict[str, str]) -> int:
        conn = self._db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for r in rows:
                conn.execute(
                    "INSERT OR REPLACE INTO agent_rejected_events VALUES (?, ?, ?, ?, ?)",
                    (r.event_id, r.kind, r.body.decode(), reasons[r.event_id], time.time()),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return int(conn.execute("SELECT count(*) FROM agent_rejected_events").fetchone()[0])

    def _backlog(self) -> tuple[int, int]:
        row = self._db().execute("SELECT count(*), coalesce(sum(closed), 0) FROM outbox").fetchone()
        return int(row[0]), int(row[1])

    # -- async API --------------------------------------------------------------------
    async def next_batch(self, limit: int = 500, after_rowid: int = 0) -> list[OutboxRow]:
        """The oldest closed rows (after ``after_rowid``), at most ``limit``; an open row is never sent."""
        return await self._run(self._read, limit, after_rowid)

    async def delete_sent(self, rows: list[OutboxRow]) -> int:
        """Delete the rows of a batch the cloud acknowledged with a 2xx."""
        if not rows:
            return 0
        return await self._run(self._delete, [r.rowid for r in rows])

    async def keep_rejected(self, rows: list[OutboxRow], reasons: dict[str, str]) -> int:
        """Keep refused rows aside with the cloud's reason before they leave the outbox; returns the count."""
        return await self._run(self._keep_rejected, rows, reasons)

    async def backlog(self) -> int:
        """Every row still on the device (open or closed): what the buffer holds."""
        total, _closed = await self._run(self._backlog)
        return total

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
