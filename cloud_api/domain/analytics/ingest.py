"""Ingest of a device's event batch: every event judged on its own, each stored once.

The device is the credential's; an event naming another site is refused (the earlier system
took any event that named a site id, unauthenticated). :func:`prepare` judges, dates and
hashes a batch; :func:`write` stores the events not seen before (``ON CONFLICT DO NOTHING`` on
the event id, so a retried batch is harmless), their rollups and the chains' progress in one
transaction, shared with the batches that arrived at the same time (see :mod:`.writer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, get_args

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cloud_api.db.base import utcnow
from neopro.contracts._errors import ContractError, decode_json
from neopro.contracts._types import Phase, Trigger
from neopro.contracts.proof_of_play import (
    MAX_BATCH,
    EventBatch,
    EventBatchResult,
    InterruptedBy,
    PlaybackError,
    ProofOfPlay,
    Rejection,
)
from neopro.proof_chain import event_hash

from . import chain, store
from .boots import boot_times
from .clock import date_event
from .settings import AnalyticsSettings

_batch = msgspec.json.Decoder(EventBatch)
_event = msgspec.json.Decoder(ProofOfPlay)
_error = msgspec.json.Decoder(PlaybackError)


class BatchError(ValueError):
    """The batch as a whole is unreadable (not the envelope, too big): nothing was stored."""


def decode_batch(body: bytes) -> EventBatch:
    try:
        batch = decode_json(body, EventBatch, decoder=_batch)
    except ContractError as exc:
        raise BatchError(f"{exc.field}: {exc.reason}") from None
    if len(batch.events) + len(batch.errors) > MAX_BATCH:
        raise BatchError(f"$.events: at most {MAX_BATCH} events per batch; send the rest in another batch")
    return batch


def _check(event: ProofOfPlay, device: Any) -> tuple[str, str] | None:
    """The rules beyond the contract's types: (field, reason) of the first broken one."""
    if event.site_id is not None and event.site_id != device.site_id:
        return "site_id", "names another site than this device's; leave it empty or send this site's id"
    if event.started_at.tzinfo is None:
        return "started_at", "has no time zone; send UTC with a 'Z'"
    # ended_at before started_at (the wall clock stepped back mid-clip) is stored and flagged,
    # not refused: see clock.date_event.
    if event.ended_at is not None and event.ended_at.tzinfo is None:
        return "ended_at", "has no time zone; send UTC with a 'Z'"
    if event.ended_mono_ns is not None and event.ended_mono_ns < event.started_mono_ns:
        return "ended_mono_ns", "is before started_mono_ns"
    if (event.seq is None) != (event.prev_hash is None):
        return "seq", "seq and prev_hash come together (both set by neopro.proof_chain.stamp) or not at all"
    return None


@dataclass
class Prepared:
    """A batch checked and turned into rows, waiting to be written (see :mod:`.writer`)."""

    device: Any
    rows: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    rejections: list[Rejection]
    in_batch_duplicates: int

    def result(self, inserted: set[str]) -> EventBatchResult:
        return EventBatchResult(
            accepted=len(inserted),
            duplicate=len(self.rows) - len(inserted) + self.in_batch_duplicates,
            rejected=len(self.rejections),
            rejections=self.rejections,
        )


async def prepare(
    engine: AsyncEngine, device: Any, batch: EventBatch, settings: AnalyticsSettings
) -> Prepared:
    """Judge every event on its own, date it, hash it: everything but the write."""
    received_at = utcnow()
    rejections: list[Rejection] = []
    events: list[ProofOfPlay] = []
    seen: set[str] = set()
    in_batch_duplicates = 0
    for index, raw in enumerate(batch.events):
        try:
            event = decode_json(raw, ProofOfPlay, decoder=_event)
        except ContractError as exc:
            rejections.append(
                Rejection(index=index, event_id=_event_id(raw), field=exc.field, reason=_explain(exc))
            )
            continue
        problem = _check(event, device)
        if problem is not None:
            rejections.append(
                Rejection(index=index, event_id=event.event_id, field=problem[0], reason=problem[1])
            )
        elif event.event_id in seen:
            in_batch_duplicates += 1
        else:
            seen.add(event.event_id)
            events.append(event)
    errors = _decode_errors(batch, device, received_at, rejections)
    boots = await boot_times(engine, device, batch, events, received_at)
    rows = [_row(e, device, boots.get(e.boot_id), received_at, settings) for e in events]
    return Prepared(device, rows, errors, rejections, in_batch_duplicates)


async def write(conn: AsyncConnection, group: list[Prepared], now: datetime) -> list[set[str]]:
    """Store the batches of ``group`` in the caller's transaction; the ids each one inserted.

    Rows go in event id order and chains are walked in device order, so two transactions
    that share rows lock them in the same order and never deadlock. An id sent twice within
    the group is counted for the first batch that carried it.
    """
    rows = sorted((r for p in group for r in p.rows), key=lambda r: r["event_id"])
    inserted_ids = await store.insert_events(conn, rows)
    claimed: set[str] = set()
    per_batch: list[set[str]] = []
    inserted: list[dict[str, Any]] = []
    by_device: dict[str, tuple[Any, list[dict[str, Any]]]] = {}
    for p in group:
        mine = {r["event_id"] for r in p.rows if r["event_id"] in inserted_ids} - claimed
        claimed |= mine
        per_batch.append(mine)
        new = [r for r in p.rows if r["event_id"] in mine]
        inserted.extend(new)
        by_device.setdefault(p.device.id, (p.device, []))[1].extend(new)
    await store.upsert_rollups(conn, store.rollup_rows(inserted))
    for device_id in sorted(by_device):
        device, new = by_device[device_id]
        await chain.advance(conn, device, new, now)
    await store.insert_errors(conn, [e for p in group for e in p.errors])
    return per_batch


_CHOICES = {
    "$.phase": [p.value for p in Phase],
    "$.trigger": [t.value for t in Trigger],
    "$.interrupted_by": list(get_args(InterruptedBy)),
}


def _explain(exc: ContractError) -> str:
    choices = _CHOICES.get(exc.field)
    return f"{exc.reason}; expected one of {', '.join(choices)}" if choices else exc.reason


def _event_id(raw: msgspec.Raw) -> str | None:
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return None
    found = value.get("event_id") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def _decode_errors(
    batch: EventBatch, device: Any, received_at: datetime, rejections: list[Rejection]
) -> list[dict[str, Any]]:
    rows = []
    for index, raw in enumerate(batch.errors):
        try:
            error = decode_json(raw, PlaybackError, decoder=_error)
        except ContractError as exc:
            rejections.append(
                Rejection(
                    index=index,
                    kind="playback_error",
                    event_id=_event_id(raw),
                    field=exc.field,
                    reason=exc.reason,
                )
            )
            continue
        at = error.at if error.at.tzinfo is not None else error.at.replace(tzinfo=received_at.tzinfo)
        rows.append(
            dict(
                event_id=error.event_id,
                club_id=device.club_id,
                site_id=device.site_id,
                media_id=error.media_id,
                reason=error.reason,
                at=at,
                received_at=received_at,
            )
        )
    return rows


def _row(
    e: ProofOfPlay,
    device: Any,
    booted_at: datetime | None,
    received_at: datetime,
    settings: AnalyticsSettings,
) -> dict[str, Any]:
    dated = date_event(e, booted_at, received_at, settings)
    return {
        "event_id": e.event_id,
        "club_id": device.club_id,
        "site_id": device.site_id,
        "device_id": device.id,
        "media_id": e.media_id,
        "sponsor_id": e.sponsor_id,
        "category_id": e.category_id,
        "phase": str(e.phase),
        "trigger": str(e.trigger),
        "started_at": dated.started_at,
        "ended_at": dated.ended_at,
        "day": dated.day,
        "device_started_at": e.started_at,
        "seconds_on_screen": e.seconds_on_screen,
        "completed": e.completed,
        "interrupted_by": e.interrupted_by,
        "score_home": e.score_home,
        "score_away": e.score_away,
        "match_session_id": e.match_session_id,
        "boot_id": e.boot_id,
        "started_mono_ns": e.started_mono_ns,
        "clock_synced": e.clock_synced,
        "clock_source": dated.source,
        "time_flag": dated.flag,
        "received_at": received_at,
        "seq": e.seq,
        "prev_hash": e.prev_hash,
        "hash": event_hash(e),
    }
