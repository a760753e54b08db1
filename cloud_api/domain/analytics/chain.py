"""Verifying each device's hash chain as its events arrive (see :mod:`neopro.proof_chain`).

``chain_states`` holds, per device, the last seq up to which every link was checked
(``verified_seq`` / ``verified_hash``). Each batch advances it as far as the links go: the
events of the batch are in hand; older ones (a gap filled late) are read back. A seq that is
still missing stops the walk: ``max_seq - seen`` events are missing (a gap, alerted once the
device says its outbox is empty). A ``prev_hash`` that does not match is a break, kept in
``broken_at_seq``; the walk then goes on from the new link so later breaks are found too.
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

    @property
    def complete(self) -> bool:
        return self.missing == 0 and self.broken_at_seq is None


def report(state: Any) -> ChainReport:
    return ChainReport(
        device_id=state.device_id,
        site_id=state.site_id,
        verified_seq=state.verified_seq,
        max_seq=state.max_seq,
        missing=max(0, state.max_seq - state.seen),
        broken_at_seq=state.broken_at_seq,
    )


async def advance(
    conn: AsyncConnection, device: Any, inserted: list[dict[str, Any]], now: datetime
) -> ChainReport | None:
    """Advance ``device``'s chain with the newly inserted events (in the ingest transaction)."""
    links = {e["seq"]: (e["prev_hash"], e["hash"]) for e in inserted if e["seq"] is not None}
    if not links:
        return None
    insert = pg_insert(ChainState) if conn.dialect.name == "postgresql" else sqlite_insert(ChainState)
    # One round trip creates the row if new and locks it (a no-op update) for this transaction,
    # so two batches of one device never walk its chain at the same time.
    upsert = insert.values(
        device_id=device.id, club_id=device.club_id, site_id=device.site_id, verified_seq=0,
        verified_hash=GENESIS, max_seq=0, seen=0, updated_at=now,
    ).on_conflict_do_update(index_elements=["device_id"], set_={"updated_at": now})  # fmt: skip
    state = (await conn.execute(upsert.returning(*ChainState.__table__.c))).one()
    seq, last, broken = state.verified_seq, state.verified_hash, state.broken_at_seq
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
    values = dict(
        verified_seq=seq,
        verified_hash=last,
        broken_at_seq=broken,
        updated_at=now,
        max_seq=max(state.max_seq, max(links)),
        seen=state.seen + sum(1 for e in inserted if e["seq"] is not None),
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
