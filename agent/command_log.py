"""Every cloud command is written to ``state.db`` before it runs, so it runs at most once.

A command id seen before is never run again, whether it arrives twice (push and poll at
once, or the cloud re-sending after a lost ack) or after a crash. A command found
``running`` when the agent starts was cut short by a crash or power cut: it is reported
failed with that reason rather than run a second time (a reboot or an update must not
loop). Results stay in the log until the cloud has them (``reported``), so a result is
reported at least once.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from neopro.state_db import connect, migrate

COMPONENT = "agent_commands"
MIGRATIONS = (
    """
    CREATE TABLE agent_commands (
        command_id  TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        payload     TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
        result      TEXT,
        received_at REAL NOT NULL,
        finished_at REAL,
        reported    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX agent_commands_unreported ON agent_commands(reported, state);
    """,
)

State = Literal["running", "succeeded", "failed"]
INTERRUPTED = "interrupted: the agent stopped while this command ran; it is not run twice"


@dataclass(frozen=True)
class LoggedCommand:
    command_id: str
    kind: str
    payload: dict[str, Any]
    state: State
    result: dict[str, Any] | None


def _row(r: tuple) -> LoggedCommand:  # type: ignore[type-arg]
    return LoggedCommand(r[0], r[1], json.loads(r[2]), r[3], json.loads(r[4]) if r[4] else None)


class CommandLog:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = connect(self._path)
            migrate(self._conn, COMPONENT, MIGRATIONS)
        return self._conn

    async def _run(self, fn, *args):  # type: ignore[no-untyped-def]
        async with self._lock:
            return await asyncio.to_thread(fn, *args)

    # -- blocking ---------------------------------------------------------------------
    def _claim(self, command_id: str, kind: str, payload: dict[str, Any]) -> bool:
        cur = self._db().execute(
            "INSERT INTO agent_commands(command_id, kind, payload, state, received_at) "
            "VALUES (?, ?, ?, 'running', ?) ON CONFLICT(command_id) DO NOTHING",
            (command_id, kind, json.dumps(payload), time.time()),
        )
        return cur.rowcount == 1

    def _finish(self, command_id: str, ok: bool, result: dict[str, Any]) -> None:
        self._db().execute(
            "UPDATE agent_commands SET state = ?, result = ?, finished_at = ?, reported = 0 "
            "WHERE command_id = ?",
            ("succeeded" if ok else "failed", json.dumps(result), time.time(), command_id),
        )

    def _recover(self, keep_kinds: tuple[str, ...]) -> int:
        marks = ",".join("?" * len(keep_kinds)) or "''"
        cur = self._db().execute(
            "UPDATE agent_commands SET state = 'failed', result = ?, finished_at = ?, reported = 0 "
            f"WHERE state = 'running' AND kind NOT IN ({marks})",
            (json.dumps({"error": INTERRUPTED}), time.time(), *keep_kinds),
        )
        return cur.rowcount

    def _select(self, where: str, args: tuple) -> list[LoggedCommand]:  # type: ignore[type-arg]
        rows = self._db().execute(
            f"SELECT command_id, kind, payload, state, result FROM agent_commands WHERE {where} "
            "ORDER BY received_at",
            args,
        )
        return [_row(r) for r in rows]

    def _mark_reported(self, command_id: str) -> None:
        self._db().execute("UPDATE agent_commands SET reported = 1 WHERE command_id = ?", (command_id,))

    def _prune(self, older_than_s: float) -> int:
        cur = self._db().execute(
            "DELETE FROM agent_commands WHERE reported = 1 AND finished_at < ?", (time.time() - older_than_s,)
        )
        return cur.rowcount

    # -- async API --------------------------------------------------------------------
    async def claim(self, command_id: str, kind: str, payload: dict[str, Any]) -> bool:
        """Record the command as running; False when it was seen before (never run it again)."""
        return await self._run(self._claim, command_id, kind, payload)

    async def finish(self, command_id: str, ok: bool, result: dict[str, Any]) -> None:
        await self._run(self._finish, command_id, ok, result)

    async def recover(self, keep_kinds: tuple[str, ...] = ()) -> int:
        """At start: commands a crash left ``running`` become failed (``keep_kinds`` resume themselves)."""
        return await self._run(self._recover, keep_kinds)

    async def get(self, command_id: str) -> LoggedCommand | None:
        found = await self._run(self._select, "command_id = ?", (command_id,))
        return found[0] if found else None

    async def running(self, kind: str) -> list[LoggedCommand]:
        """Commands of ``kind`` still marked running (left by a stop, for their owner to finish)."""
        return await self._run(self._select, "state = 'running' AND kind = ?", (kind,))

    async def unreported(self) -> list[LoggedCommand]:
        """Finished commands whose result the cloud has not acknowledged yet."""
        return await self._run(self._select, "reported = 0 AND state != 'running'", ())

    async def mark_reported(self, command_id: str) -> None:
        await self._run(self._mark_reported, command_id)

    async def prune(self, older_than_s: float = 30 * 86400) -> int:
        return await self._run(self._prune, older_than_s)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
