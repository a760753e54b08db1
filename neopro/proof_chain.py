"""The tamper-evident chain of a device's proof-of-play events.

Every event a device finalises carries ``seq`` (1, 2, 3 ... per device, in the order events
are closed) and ``prev_hash`` (the :func:`event_hash` of the previous closed event of the
same device; :data:`GENESIS` for the first). The cloud recomputes the hashes and flags a
gap (a ``seq`` missing) or a break (a ``prev_hash`` that does not match), so a sponsor can be
told whether the count is complete.

How a device stamps an event (the whole API)::

    conn = neopro.state_db.open_outbox(path)      # or any connection to state.db
    neopro.proof_chain.migrate_chain(conn)        # once, at start
    event = neopro.proof_chain.close_in_outbox(conn, event)   # closes the outbox row

:func:`close_in_outbox` runs one ``BEGIN IMMEDIATE`` transaction that reads the chain head,
stamps the event, writes its body with ``closed = 1`` and stores the new head: a power cut
leaves either the old head and an open row, or the new head and a closed row, never a head
that points to an event nobody will upload. A caller that already holds a transaction (to
close several rows at once) calls :func:`stamp` inside it and writes the row itself.

In the player (``player/outbox.py``) that means: where a row is closed
(``update(event, closed=True)`` and ``close_orphans``), call ``close_in_outbox(conn, event)``
on the outbox's own worker thread and connection instead of the plain ``UPDATE``; rows still
open are not stamped, so ``seq`` follows the order in which plays end.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime

import msgspec

from neopro.contracts.proof_of_play import ProofOfPlay, encode
from neopro.state_db import migrate

COMPONENT = "proof_chain"
#: ``prev_hash`` of a device's first event.
GENESIS = "0" * 64
MIGRATIONS = (
    """
    CREATE TABLE proof_chain_head (
        id    INTEGER PRIMARY KEY CHECK (id = 1),  -- one chain per device, so one row
        seq   INTEGER NOT NULL,                    -- seq of the last stamped event
        hash  TEXT NOT NULL                        -- its event_hash
    )
    """,
)


def migrate_chain(conn: sqlite3.Connection) -> None:
    """Create the chain head table in state.db (idempotent)."""
    migrate(conn, COMPONENT, MIGRATIONS)


def _utc(value: datetime | None) -> datetime | None:
    if value is None or (value.tzinfo is UTC):
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def canonical_bytes(event: ProofOfPlay) -> bytes:
    """The event as msgspec JSON with sorted keys, every field present (None included) and the
    times in UTC: one spelling per event, whichever offset the device wrote (floats are
    msgspec's shortest round-trip form, the same on every machine)."""
    started, ended = _utc(event.started_at), _utc(event.ended_at)
    if started is not event.started_at or ended is not event.ended_at:
        event = msgspec.structs.replace(event, started_at=started, ended_at=ended)
    return msgspec.json.encode(event, order="sorted")


def event_hash(event: ProofOfPlay) -> str:
    """sha256 hex of the event's canonical encoding, ``seq`` and ``prev_hash`` included."""
    return hashlib.sha256(canonical_bytes(event)).hexdigest()


def head(conn: sqlite3.Connection) -> tuple[int, str]:
    """(seq, hash) of the last stamped event; (0, GENESIS) before the first."""
    row = conn.execute("SELECT seq, hash FROM proof_chain_head WHERE id = 1").fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def stamp(conn: sqlite3.Connection, event: ProofOfPlay) -> ProofOfPlay:
    """Give ``event`` the next ``seq`` and the previous hash, and move the head to it.

    Must run inside the caller's open transaction (the one that closes the row), so the
    head and the closed row commit together.
    """
    if not conn.in_transaction:
        raise RuntimeError("stamp() must run inside the transaction that closes the outbox row")
    seq, prev = head(conn)
    stamped = msgspec.structs.replace(event, seq=seq + 1, prev_hash=prev)
    conn.execute(
        "INSERT INTO proof_chain_head(id, seq, hash) VALUES (1, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        (seq + 1, event_hash(stamped)),
    )
    return stamped


def close_in_outbox(conn: sqlite3.Connection, event: ProofOfPlay) -> ProofOfPlay:
    """Stamp ``event`` and close its outbox row (``closed = 1``) in one transaction.

    An event already closed is returned as stored, unstamped again, so a retried close
    never burns a sequence number. Returns the event as written.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT closed, body FROM outbox WHERE event_id = ?", (event.event_id,)).fetchone()
        if row is not None and row[0]:
            conn.execute("COMMIT")
            return msgspec.json.decode(row[1], type=ProofOfPlay)
        stamped = stamp(conn, event)
        body = encode(stamped)
        if row is None:
            conn.execute(
                "INSERT INTO outbox(event_id, kind, body, closed, boot_id, created_mono_ns) "
                "VALUES (?, 'proof_of_play', ?, 1, ?, ?)",
                (event.event_id, body, event.boot_id, event.started_mono_ns),
            )
        else:
            conn.execute("UPDATE outbox SET body = ?, closed = 1 WHERE event_id = ?", (body, event.event_id))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return stamped
