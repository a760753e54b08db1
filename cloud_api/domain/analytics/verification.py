"""The verification code printed on a report: a digest over exactly the events it counted.

digest = sha256(scope line + the event hashes — each event's :func:`neopro.proof_chain.event_hash`
as computed at ingest — concatenated in event id order). The report's scope and digest are kept
in ``report_records`` with the moment it was issued (``created_at``). A report counts the
events the cloud had received by then (``received_at <= created_at``), and so does a re-check:
genuine late events (a site that was offline uploads its backlog) do not invalidate a code,
they are reported apart as "arrived since". An event deleted or altered since the report
makes the check fail.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cloud_api.db.base import utcnow
from cloud_api.db.models import PlayEvent, ReportRecord

from .access import Scope

E = PlayEvent


def event_filter(scope: Scope, received_by: datetime | None = None):  # type: ignore[no-untyped-def]
    """The WHERE clause of a scope over the raw events (what a report counts).

    ``received_by``: only the events the cloud had received by then (a report's issue time).
    """
    clauses = []
    if received_by is not None:
        clauses.append(E.received_at <= received_by)
    if scope.sponsor_id is not None:
        clauses.append(E.sponsor_id == scope.sponsor_id)
    if scope.club_id is not None:
        clauses.append(E.club_id == scope.club_id)
    if scope.site_id is not None:
        clauses.append(E.site_id == scope.site_id)
    if scope.date_from is not None:
        clauses.append(E.day >= scope.date_from)
    if scope.date_to is not None:
        clauses.append(E.day <= scope.date_to)
    return and_(*clauses) if clauses else E.seconds_on_screen >= 0


def scope_line(kind: str, scope: Scope) -> str:
    parts = (kind, scope.club_id, scope.sponsor_id, scope.site_id, scope.date_from, scope.date_to)
    return "|".join("" if p is None else str(p) for p in parts) + "\n"


async def digest(conn: AsyncConnection, kind: str, scope: Scope, received_by: datetime) -> tuple[int, str]:
    """(events counted, digest) of the scope as received by ``received_by``, computed where the rows are."""
    prefix = scope_line(kind, scope)
    where = event_filter(scope, received_by)
    if conn.dialect.name == "postgresql":
        inner = select(E.event_id, E.hash).where(where).subquery()
        agg = text(
            "encode(sha256(convert_to(:prefix || coalesce("
            "string_agg(hash, '' ORDER BY event_id COLLATE \"C\"), ''), 'UTF8')), 'hex')"
        ).bindparams(bindparam("prefix", prefix))
        row = (await conn.execute(select(text("count(*)"), agg).select_from(inner))).one()
        return int(row[0]), str(row[1])
    h = hashlib.sha256(prefix.encode())
    count = 0
    result = await conn.stream(select(E.hash).where(where).order_by(E.event_id))
    async for (value,) in result:
        h.update(value.encode())
        count += 1
    return count, h.hexdigest()


def code_of(digest_hex: str) -> str:
    """Short enough to read over the phone, long enough (80 bits) that it cannot be guessed."""
    d = digest_hex[:20].upper()
    return "NP-" + "-".join(d[i : i + 4] for i in range(0, 20, 4))


async def record(session: AsyncSession, kind: str, scope: Scope, created_by: str | None) -> ReportRecord:
    """Compute and keep the code of a report; the same scope over the same events keeps one record."""
    assert scope.date_from is not None and scope.date_to is not None, "a report covers a period"
    issued_at = utcnow()
    count, digest_hex = await digest(await session.connection(), kind, scope, issued_at)
    code = code_of(digest_hex)
    existing = await session.scalar(select(ReportRecord).where(ReportRecord.code == code))
    if existing is not None:
        return existing
    rec = ReportRecord(
        code=code,
        kind=kind,
        club_id=scope.club_id,
        sponsor_id=scope.sponsor_id,
        site_id=scope.site_id,
        date_from=scope.date_from,
        date_to=scope.date_to,
        event_count=count,
        digest=digest_hex,
        created_by=created_by,
        created_at=issued_at,
    )
    session.add(rec)
    await session.flush()
    return rec


@dataclass(frozen=True)
class Recheck:
    """A code re-checked: ``valid`` covers the events the report counted (received by its issue)."""

    valid: bool
    counted_now: int
    #: Events of the report's scope received after it was issued (late uploads): not a fault.
    arrived_since: int


async def recheck(session: AsyncSession, rec: ReportRecord) -> Recheck:
    scope = Scope(rec.club_id, rec.sponsor_id, rec.site_id, rec.date_from, rec.date_to)
    conn = await session.connection()
    count, digest_hex = await digest(conn, rec.kind, scope, rec.created_at)
    late = await conn.scalar(
        select(func.count()).select_from(E).where(event_filter(scope), E.received_at > rec.created_at)
    )
    return Recheck(valid=digest_hex == rec.digest, counted_now=count, arrived_since=int(late or 0))


def summary(rec: ReportRecord, check: Recheck) -> str:
    """What a person reads on the verify page: altered/deleted apart from late arrivals."""
    late = f"; {check.arrived_since} event(s) arrived since (late uploads, not in this report)"
    late = late if check.arrived_since else ""
    if check.valid:
        return f"valid: the {rec.event_count} events this report counted are unchanged{late}"
    missing = rec.event_count - check.counted_now
    what = f"{missing} counted event(s) deleted" if missing > 0 else "counted events altered or added"
    return f"invalid: {what} since the report was issued{late}"
