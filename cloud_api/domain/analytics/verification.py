"""The verification code printed on a report: a digest over exactly the events it counted.

digest = sha256(scope line + the event hashes — each event's :func:`neopro.proof_chain.event_hash`
as computed at ingest — concatenated in event id order). The report's scope and digest are kept
in ``report_records``; re-checking recomputes the digest over the events in the database now,
so an event deleted (or added, or altered) since the report makes the check fail.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import and_, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cloud_api.db.models import PlayEvent, ReportRecord

from .access import Scope

E = PlayEvent


def event_filter(scope: Scope):  # type: ignore[no-untyped-def]
    """The WHERE clause of a scope over the raw events (what a report counts)."""
    clauses = []
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


async def digest(conn: AsyncConnection, kind: str, scope: Scope) -> tuple[int, str]:
    """(events counted, digest) of the scope, computed where the rows are."""
    prefix = scope_line(kind, scope)
    if conn.dialect.name == "postgresql":
        inner = select(E.event_id, E.hash).where(event_filter(scope)).subquery()
        agg = text(
            "encode(sha256(convert_to(:prefix || coalesce("
            "string_agg(hash, '' ORDER BY event_id COLLATE \"C\"), ''), 'UTF8')), 'hex')"
        ).bindparams(bindparam("prefix", prefix))
        row = (await conn.execute(select(text("count(*)"), agg).select_from(inner))).one()
        return int(row[0]), str(row[1])
    h = hashlib.sha256(prefix.encode())
    count = 0
    result = await conn.stream(select(E.hash).where(event_filter(scope)).order_by(E.event_id))
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
    count, digest_hex = await digest(await session.connection(), kind, scope)
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
    )
    session.add(rec)
    await session.flush()
    return rec


async def recheck(session: AsyncSession, rec: ReportRecord) -> tuple[bool, int]:
    scope = Scope(rec.club_id, rec.sponsor_id, rec.site_id, rec.date_from, rec.date_to)
    count, digest_hex = await digest(await session.connection(), rec.kind, scope)
    return digest_hex == rec.digest, count
