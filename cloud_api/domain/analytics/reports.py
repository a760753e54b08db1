"""Building the reports: the figures are gathered on the event loop (async queries), the PDF is
drawn in a worker thread, so a season-long report never holds the server up."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloud_api.db.base import utcnow
from cloud_api.db.models import Alert, ChainState, Club, Site, SiteStatus, Sponsor

from . import pdf_club, pdf_sponsor, queries, verification
from .access import Scope
from .pacing import contracts_pacing, contracts_query


async def sponsor_pdf(
    session: AsyncSession, sponsor: Sponsor, scope: Scope, created_by: str | None, verify_url: str
) -> tuple[bytes, str]:
    assert scope.date_from is not None and scope.date_to is not None
    conn = await session.connection()
    analytics = await queries.analytics(conn, scope)
    contracts = list((await session.scalars(contracts_query(sponsor.id, scope.club_id))).all())
    pacing = await contracts_pacing(conn, contracts, min(date.today(), scope.date_to))
    rec = await verification.record(session, "sponsor", scope, created_by)
    club_name = "every club" if scope.club_id is None else (await session.get(Club, scope.club_id)).name  # type: ignore[union-attr]
    report = pdf_sponsor.SponsorReport(
        sponsor_name=sponsor.name,
        club_name=club_name,
        date_from=scope.date_from,
        date_to=scope.date_to,
        analytics=analytics,
        pacing=pacing,
        code=rec.code,
        event_count=rec.event_count,
        generated_at=utcnow(),
        verify_url=verify_url.format(code=rec.code),
        chain_note=await _chain_note(session, analytics.by_site),
    )
    return await asyncio.to_thread(pdf_sponsor.render, report), rec.code


async def _chain_note(session: AsyncSession, sites: list) -> str:
    ids = [s.key for s in sites]
    if not ids:
        return ""
    states = (await session.scalars(select(ChainState).where(ChainState.site_id.in_(ids)))).all()
    broken = [s for s in states if s.broken_at_seq is not None or s.max_seq > s.seen]
    if not states:
        return "The devices of these sites do not chain their records yet."
    if broken:
        return f"Warning: the record chain of {len(broken)} device(s) shows missing or altered records."
    return "Every device's record chain is complete: no record is missing between the first and the last."


async def club_pdf(
    session: AsyncSession, club: Club, scope: Scope, created_by: str | None
) -> tuple[bytes, str]:
    assert scope.date_from is not None and scope.date_to is not None
    conn = await session.connection()
    analytics = await queries.analytics(conn, scope)
    R = queries.R
    sponsor_rows = (
        await conn.execute(
            select(R.sponsor_id, func.sum(R.plays), func.sum(R.seconds))
            .where(queries.where(scope), R.sponsor_id != "")
            .group_by(R.sponsor_id)
            .order_by(func.sum(R.plays).desc())
        )
    ).all()
    names = dict((await conn.execute(select(Sponsor.id, Sponsor.name))).all()) if sponsor_rows else {}
    sponsors = [(names.get(s, s), int(p), float(sec)) for s, p, sec in sponsor_rows]
    health = []
    for site, status in (
        await session.execute(
            select(Site, SiteStatus)
            .outerjoin(SiteStatus, SiteStatus.site_id == Site.id)
            .where(Site.club_id == club.id)
        )
    ).all():
        open_alerts = await session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.site_id == site.id, Alert.resolved_at.is_(None))
        )
        health.append(
            pdf_club.SiteHealth(
                name=site.name,
                last_seen=status.last_seen_at.strftime("%Y-%m-%d %H:%M") if status else "never",
                temperature=f"{status.temperature_c:.0f} C"
                if status and status.temperature_c is not None
                else "-",
                disk=f"{status.disk_percent:.0f} %" if status and status.disk_percent is not None else "-",
                backlog=status.outbox_backlog if status else 0,
                open_alerts=int(open_alerts or 0),
            )
        )
    rec = await verification.record(session, "club", scope, created_by)
    report = pdf_club.ClubReport(
        club_name=club.name,
        date_from=scope.date_from,
        date_to=scope.date_to,
        analytics=analytics,
        sponsors=sponsors,
        health=health,
        code=rec.code,
        event_count=rec.event_count,
        generated_at=utcnow(),
    )
    return await asyncio.to_thread(pdf_club.render, report), rec.code
