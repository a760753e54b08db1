"""Verifying each device's hash chain as its events arrive (see :mod:`neopro.proof_chain`).

``chain_states`` holds, per device, the last seq up to which every link was checked
(``verified_seq`` / ``verified_hash``). Each batch advances it as far as the links go: the
events of the batch are in hand; older ones (a gap filled late) are read back. A seq that is
still missing stops the walk: ``max_seq - (first_seq - 1) - seen`` events are missing (a gap,
alerted once the device says its outbox is empty or the gap is old, see ``gap_since``). A
``prev_hash`` that does not match is a break, kept in ``broken_at_seq``; the walk then goes on
from the new link so later breaks are found too.

A chain starts at the lowest seq seen for the device id, linked to that event's ``prev_hash``:
a re-enrolled device (new id, same state.db) continues its old chain at seq 501, and would
otherwise stay incomplete for ever. Seq 1 always links to the genesis hash. Links older than
the start that arrive later (out-of-order uploads) move the start back and the walk redone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_api.db.models import ChainState, PlayEvent
from neopro.proof_chain import GENESIS

READ_BACK = 5000


@dataclass(frozen=True)
class ChainReport:
    device_id: str
    site_id: str
    verified_seq: int
    max_seq: int
    missing: int
    broken_at_seq: int | None
    first_seq: int = 1
    gap_since: datetime | None = None

    @property
    def complete(self) -> bool:
        return self.missing == 0 and self.broken_at_seq is None


def report(state: Any) -> ChainReport:
    return ChainReport(
        device_id=state.device_id,
        site_id=state.site_id,
        verified_seq=state.verified_seq,
        max_seq=state.max_seq,
        missing=_missing(state.max_seq, state.first_seq, state.seen),
        broken_at_seq=state.broken_at_seq,
        first_seq=state.first_seq,
        gap_since=state.gap_since,
    )


def _missing(max_seq: int, first_seq: int, seen: int) -> int:
    return max(0, max_seq - (first_seq - 1) - seen)


def _start(links: dict[int, tuple[str, str]], low: int) -> str:
    """The hash a chain starting at ``low`` links to: genesis for seq 1, else what the event says."""
    return GENESIS if low == 1 else links[low][0]


async def advance(
    conn: AsyncConnection, device: Any, inserted: list[dict[str, Any]], now: datetime
) -> ChainReport | None:
    """Advance ``device``'s chain with the newly inserted events (in the ingest transaction)."""
    links = {e["seq"]: (e["prev_hash"], e["hash"]) for e in inserted if e["seq"] is not None}
    if not links:
        return None
    low = min(links)
    insert = pg_insert(ChainState) if conn.dialect.name == "postgresql" else sqlite_insert(ChainState)
    # One round trip creates the row if new and locks it (a no-op update) for this transaction,
    # so two batches of one device never walk its chain at the same time.
    upsert = insert.values(
        device_id=device.id, club_id=device.club_id, site_id=device.site_id, verified_seq=low - 1,
        verified_hash=_start(links, low), first_seq=low, max_seq=0, seen=0, updated_at=now,
    ).on_conflict_do_update(index_elements=["device_id"], set_={"updated_at": now})  # fmt: skip
    state = (await conn.execute(upsert.returning(*ChainState.__table__.c))).one()
    seq, last, broken, first = state.verified_seq, state.verified_hash, state.broken_at_seq, state.first_seq
    if low < first:
        first, seq, last = low, low - 1, _start(links, low)
    while True:
        link = links.get(seq + 1)
        if link is None:
            older = await _read_back(conn, device.id, seq)
            if not older or (seq + 1) not in older:
                break
            links.update(older)
            continue
        prev_hash, this_hash = link
        if prev_hash != last and broken is None:
            broken = seq + 1
        seq, last = seq + 1, this_hash
    max_seq = max(state.max_seq, max(links))
    seen = state.seen + sum(1 for e in inserted if e["seq"] is not None)
    gap = _missing(max_seq, first, seen) > 0
    values = dict(
        verified_seq=seq,
        verified_hash=last,
        broken_at_seq=broken,
        updated_at=now,
        max_seq=max_seq,
        seen=seen,
        first_seq=first,
        gap_since=(state.gap_since or now) if gap else None,
    )
    await conn.execute(update(ChainState).where(ChainState.device_id == device.id).values(**values))
    return report(_Row(device_id=device.id, site_id=device.site_id, **values))


class _Row:
    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


async def _read_back(conn: AsyncConnection, device_id: str, after: int) -> dict[int, tuple[str, str]]:
    """The stored links after ``after``, if the very next one is there (one probe while a gap lasts)."""
    base = select(PlayEvent.seq, PlayEvent.prev_hash, PlayEvent.hash).where(PlayEvent.device_id == device_id)
    if (await conn.execute(base.where(PlayEvent.seq == after + 1))).first() is None:
        return {}
    rows = await conn.execute(base.where(PlayEvent.seq > after).order_by(PlayEvent.seq).limit(READ_BACK))
    return {r.seq: (r.prev_hash, r.hash) for r in rows}
