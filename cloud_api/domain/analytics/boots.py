"""When each boot of a device began, so its unsynced events can be dated (see :mod:`.clock`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from cloud_api.db.models import DeviceBoot
from neopro.contracts.proof_of_play import EventBatch, ProofOfPlay

from .clock import boot_from_arrival, boot_from_synced

#: Exact boot times never change once learnt: kept per process so a busy device's batches skip
#: the lookup (an estimate from arrival is not kept: a synced event may still improve it).
_exact_boots: dict[tuple[str, str], tuple[datetime, str]] = {}


async def boot_times(
    engine: AsyncEngine, device: Any, batch: EventBatch, events: list[ProofOfPlay], received_at: datetime
) -> dict[str, datetime]:
    """When each boot of the batch began: known ones, learnt from synced events, or from arrival."""
    boot_ids = {e.boot_id for e in events if not e.clock_synced}
    learnt: dict[str, tuple[datetime, str]] = {}
    for e in events:
        if e.clock_synced and e.boot_id not in learnt:
            learnt[e.boot_id] = (boot_from_synced(e), "synced_event")
    if batch.boot_id and batch.sent_mono_ns is not None and batch.boot_id not in learnt:
        learnt[batch.boot_id] = (boot_from_arrival(received_at, batch.sent_mono_ns), "arrival")
    known: dict[str, tuple[datetime, str]] = {
        b: _exact_boots[(device.id, b)] for b in boot_ids | set(learnt) if (device.id, b) in _exact_boots
    }
    wanted = (boot_ids | set(learnt)) - set(known)
    if not wanted:
        return {boot_id: value[0] for boot_id, value in known.items()}  # no query at all
    async with engine.begin() as conn:
        return await _load_and_learn(conn, device, wanted, known, learnt)


async def _load_and_learn(
    conn: Any,
    device: Any,
    wanted: set[str],
    known: dict[str, tuple[datetime, str]],
    learnt: dict[str, tuple[datetime, str]],
) -> dict[str, datetime]:
    if wanted:
        rows = await conn.execute(
            select(DeviceBoot.boot_id, DeviceBoot.booted_at, DeviceBoot.source).where(
                DeviceBoot.device_id == device.id, DeviceBoot.boot_id.in_(wanted)
            )
        )
        known.update({r.boot_id: (r.booted_at, r.source) for r in rows})
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    for boot_id, (booted_at, source) in learnt.items():
        have = known.get(boot_id)
        if have is not None and (have[1] == "synced_event" or source == "arrival"):
            continue  # an exact offset is never replaced by an estimate
        stmt = insert(DeviceBoot).values(
            device_id=device.id, boot_id=boot_id, booted_at=booted_at, source=source
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["device_id", "boot_id"], set_={"booted_at": booted_at, "source": source}
        )
        await conn.execute(stmt)
        known[boot_id] = (booted_at, source)
    for boot_id, value in known.items():
        if value[1] == "synced_event" and len(_exact_boots) < 100_000:
            _exact_boots[(device.id, boot_id)] = value
    return {boot_id: value[0] for boot_id, value in known.items()}
