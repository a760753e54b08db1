"""Write proof-of-play rows the way the player does (contract bodies in ``state.db``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from neopro.contracts import ProofOfPlay
from neopro.contracts.proof_of_play import encode
from neopro.state_db import open_outbox

SHA = "a" * 64


def make_event(n: int = 0, *, site_id: str | None = None) -> ProofOfPlay:
    return ProofOfPlay(
        event_id=uuid.uuid4().hex,
        site_id=site_id,
        media_id=f"clip-{n % 7}",
        sha256=SHA,
        phase="neutral",
        trigger="loop",
        started_at=datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
        ended_at=datetime(2026, 11, 1, 12, 0, 15, tzinfo=UTC),
        seconds_on_screen=15.0,
        completed=True,
        boot_id="b" * 32,
        started_mono_ns=n * 1_000_000,
        ended_mono_ns=n * 1_000_000 + 15_000_000_000,
    )


def write_events(state_db: Path, count: int, *, closed: bool = True, site_id: str | None = None) -> list[str]:
    """Insert ``count`` events in one transaction; returns their ids in write order."""
    conn = open_outbox(state_db)
    ids = []
    try:
        conn.execute("BEGIN")
        for n in range(count):
            event = make_event(n, site_id=site_id)
            conn.execute(
                "INSERT INTO outbox(event_id, kind, body, closed, boot_id, created_mono_ns) VALUES (?,?,?,?,?,?)",
                (event.event_id, "proof_of_play", encode(event).decode(), int(closed), event.boot_id, n),
            )
            ids.append(event.event_id)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return ids
