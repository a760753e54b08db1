"""The bounded-buffer check: the outbox must hold a month offline, and say so before it can't.

The bound is a number of events (default 200,000: more than 30 days at 5,000 events a
day) and the free disk those events need. The agent never deletes an event to make room:
past the warning level it raises an alert (log, heartbeat, status file) so a person can act
— bring the site online, or free disk — long before anything could be lost.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

#: What the issue asks the buffer to hold at the very least: 30 days x 5,000 events a day.
MIN_CAPACITY_EVENTS = 30 * 5_000
DEFAULT_CAPACITY_EVENTS = 200_000
#: A generous size for one row (JSON body + index) to estimate the disk the rest needs.
EVENT_BYTES_ESTIMATE = 1_500

Level = Literal["ok", "warning", "critical"]


@dataclass(frozen=True)
class BufferState:
    level: Level
    backlog: int
    capacity: int
    free_bytes: int
    message: str

    @property
    def alert(self) -> bool:
        return self.level != "ok"


def check_buffer(
    backlog: int,
    state_db: Path,
    *,
    capacity: int = DEFAULT_CAPACITY_EVENTS,
    warn_ratio: float = 0.8,
    free_bytes: int | None = None,
) -> BufferState:
    """Where the outbox stands against its bound; ``warning`` well before anything is at risk."""
    if capacity < MIN_CAPACITY_EVENTS:
        raise ValueError(
            f"outbox capacity {capacity} is below {MIN_CAPACITY_EVENTS} events (30 days x 5,000/day)"
        )
    if free_bytes is None:
        free_bytes = shutil.disk_usage(state_db.parent if state_db.parent.exists() else Path("/")).free
    room_needed = max(capacity - backlog, 0) * EVENT_BYTES_ESTIMATE
    if backlog >= capacity:
        return BufferState(
            "critical",
            backlog,
            capacity,
            free_bytes,
            f"outbox holds {backlog} events, at or over its bound of {capacity}: nothing is dropped, "
            "but the site must come online (or the bound be raised) now",
        )
    if backlog >= warn_ratio * capacity:
        return BufferState(
            "warning",
            backlog,
            capacity,
            free_bytes,
            f"outbox holds {backlog} of {capacity} events ({backlog * 100 // capacity}%): "
            "the site has been offline for long; bring it online",
        )
    if free_bytes < room_needed:
        return BufferState(
            "warning",
            backlog,
            capacity,
            free_bytes,
            f"only {free_bytes // 2**20} MiB free beside state.db; the outbox may need "
            f"{room_needed // 2**20} MiB more to hold its bound: free disk space",
        )
    return BufferState("ok", backlog, capacity, free_bytes, "")
