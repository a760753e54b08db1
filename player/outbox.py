"""Proof-of-play and playback errors, written to the ``state.db`` outbox off the event loop.

A row is inserted the moment a clip's first frame is on screen (``closed=0``), its seconds
are checkpointed every few seconds, and it is closed (``closed=1``: the agent may upload
it) when the clip ends or is interrupted. A power cut therefore leaves an open row whose
seconds are at most one checkpoint behind; the next start closes it as ``shutdown``.

Every write goes through one worker thread, so rows are written in the order they happen
and SQLite (``synchronous=FULL``: an fsync per commit) never blocks the event loop. A
proof-of-play row is closed through :func:`neopro.proof_chain.close_in_outbox`, which gives
it the device's next ``seq`` and the previous event's hash in the same transaction: the
cloud can then tell a sponsor that the count is complete.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import msgspec

from neopro import proof_chain
from neopro.contracts import PlaybackError, ProofOfPlay
from neopro.contracts.proof_of_play import encode
from neopro.state_db import open_outbox

from .rows import ended_at

log = logging.getLogger(__name__)


def close_orphans(conn: sqlite3.Connection) -> int:
    """Close the rows a previous process left open (killed, or the power went).

    The end is the last checkpoint: ``started_at`` plus the seconds counted so far (and
    ``ended_mono_ns`` to match), because a sponsor report needs an end for every play and
    that is the last instant the clip is known to have been on screen.
    """
    sql = "SELECT event_id, body FROM outbox WHERE closed = 0 AND kind = 'proof_of_play'"
    rows = conn.execute(sql).fetchall()
    for _event_id, body in rows:
        event = msgspec.json.decode(body, type=ProofOfPlay)
        on_screen_ns = int(event.seconds_on_screen * 1_000_000_000)
        ended_mono_ns = event.started_mono_ns + on_screen_ns
        event = msgspec.structs.replace(
            event,
            ended_at=ended_at(event, ended_mono_ns),
            ended_mono_ns=ended_mono_ns,
            completed=False,
            interrupted_by="shutdown",
        )
        proof_chain.close_in_outbox(conn, event)
    return len(rows)


class Outbox:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
        self._conn: sqlite3.Connection | None = None
        self._pending: set[Future] = set()

    async def open(self) -> int:
        """Open (migrate) the outbox and close orphaned rows; returns how many were closed."""
        return await asyncio.wrap_future(self._pool.submit(self._open))

    def _open(self) -> int:
        self._conn = open_outbox(self._path)
        proof_chain.migrate_chain(self._conn)
        closed = close_orphans(self._conn)
        if closed:
            log.warning("closed %d proof-of-play row(s) left open by the previous run", closed)
        return closed

    # Each write is queued and returns at once; drain() waits for all of them.
    def insert(self, event: ProofOfPlay | PlaybackError, *, closed: bool = False) -> None:
        kind = "proof_of_play" if isinstance(event, ProofOfPlay) else "playback_error"
        mono = event.started_mono_ns if isinstance(event, ProofOfPlay) else event.mono_ns
        self._submit(
            "INSERT INTO outbox(event_id, kind, body, closed, boot_id, created_mono_ns) VALUES (?,?,?,?,?,?)",
            (event.event_id, kind, encode(event), int(closed), event.boot_id, mono),
        )

    def update(self, event: ProofOfPlay, *, closed: bool) -> None:
        if closed:
            self._track(self._pool.submit(self._close, event))
            return
        self._submit(
            "UPDATE outbox SET body = ? WHERE event_id = ? AND closed = 0",
            (encode(event), event.event_id),
        )

    def _submit(self, sql: str, params: tuple) -> None:
        self._track(self._pool.submit(self._write, sql, params))

    def _track(self, future: Future) -> None:
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def _close(self, event: ProofOfPlay) -> None:
        assert self._conn is not None, "Outbox.open() first"
        try:
            proof_chain.close_in_outbox(self._conn, event)
        except sqlite3.Error:
            log.exception("outbox: closing proof-of-play %s failed", event.event_id)

    def _write(self, sql: str, params: tuple) -> None:
        assert self._conn is not None, "Outbox.open() first"
        try:
            self._conn.execute(sql, params)
        except sqlite3.Error:
            log.exception("outbox write failed: %s", sql.split("(")[0])

    async def drain(self) -> None:
        if self._pending:
            await asyncio.wait([asyncio.wrap_future(f) for f in list(self._pending)])

    async def close(self) -> None:
        await self.drain()
        if self._conn is not None:
            await asyncio.wrap_future(self._pool.submit(self._conn.close))
        self._pool.shutdown(wait=True)
