"""The analytics admin API: figures, pacing, reports (PDF, CSV), verification, chains, alerts.

Every figure is read within the caller's scope (:mod:`.access`): a club sees its club, a
sponsor viewer its sponsor, a platform admin everything. Routes a sponsor viewer may call say
so with ``opt={"role": "sponsor_viewer"}``; every other admin route stays closed to it.
"""

from __future__ import annotations

from datetime import date, timedelta

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy import select

from cloud_api.db.models import Alert, ChainState, Club, PlayEvent, ReportRecord, SponsorViewer, User
from cloud_api.domain.accounts.deps import CurrentUser
from cloud_api.domain.accounts.guards import Role
from cloud_api.domain.accounts.tenancy import club_scope, owned_or_404
from cloud_api.server.db import DbSession

from . import csv_export, queries, reports, verification
from .access import Scope, scope_for, viewer_binding, viewer_club, visible_sponsor
from .chain import report as chain_report
from .pacing import contracts_pacing, contracts_query
from .schemas import AlertOut, Analytics, ChainStatus, EventOut, Pacing, Verification, ViewerGrant

VIEWER = {"role": Role.SPONSOR_VIEWER.value}


def _period(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """A report's period: given, or the last 365 days."""
    date_to = date_to or date.today()
    date_from = date_from or date_to - timedelta(days=364)
    if date_from > date_to:
        raise ValidationException("date_from is after date_to")
    return date_from, date_to


class AnalyticsController(Controller):
    path = "/analytics"
    tags = ["analytics"]

    @get("/", opt=VIEWER)
    async def figures(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        sponsor_id: FromQuery[str | None] = None,
        club_id: FromQuery[str | None] = None,
        site_id: FromQuery[str | None] = None,
        date_from: FromQuery[date | None] = None,
        date_to: FromQuery[date | None] = None,
    ) -> Analytics:
        """Plays, seconds on screen and completion, in total and by day/site/phase/trigger/match/video."""
        scope = await scope_for(
            db_session, principal, Scope(club_id, sponsor_id, site_id, date_from, date_to)
        )
        return await queries.analytics(await db_session.connection(), scope)

    @get("/sponsors/{sponsor_id:str}/pacing", opt=VIEWER)
    async def pacing(
        self, db_session: DbSession, principal: CurrentUser, sponsor_id: FromPath[str]
    ) -> list[Pacing]:
        """Each contract of the sponsor: target, delivered, expected by now, projected, and a warning."""
        await visible_sponsor(db_session, principal, sponsor_id)
        binding = await viewer_binding(db_session, principal)
        if binding is not None:
            club = binding.club_id
        else:
            club = None if principal.is_platform else principal.club_id
        contracts = list((await db_session.scalars(contracts_query(sponsor_id, club))).all())
        return await contracts_pacing(await db_session.connection(), contracts, date.today())

    @get("/sponsors/{sponsor_id:str}/report.pdf", opt=VIEWER, media_type="application/pdf")
    async def sponsor_report(
        self,
        request: Request,
        db_session: DbSession,
        principal: CurrentUser,
        sponsor_id: FromPath[str],
        date_from: FromQuery[date | None] = None,
        date_to: FromQuery[date | None] = None,
        site_id: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        """The sponsor PDF; its verification code is also in the ``X-Verification-Code`` header."""
        sponsor = await visible_sponsor(db_session, principal, sponsor_id)
        start, end = _period(date_from, date_to)
        scope = await scope_for(db_session, principal, Scope(None, sponsor_id, site_id, start, end))
        url = str(request.base_url).rstrip("/") + "/api/v1/analytics/verify?code={code}"
        pdf, code = await reports.sponsor_pdf(db_session, sponsor, scope, principal.id, url)
        return _file(pdf, "application/pdf", f"sponsor-{sponsor_id}-{start}-{end}.pdf", code)

    @get("/clubs/{club_id:str}/report.pdf", media_type="application/pdf")
    async def club_report(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        club_id: FromPath[str],
        date_from: FromQuery[date | None] = None,
        date_to: FromQuery[date | None] = None,
    ) -> Response[bytes]:
        """The club PDF: usage, content top 10, site health."""
        club = owned_or_404(principal, await db_session.get(Club, club_id), "club", club_id)
        start, end = _period(date_from, date_to)
        pdf, code = await reports.club_pdf(
            db_session, club, Scope(club_id, None, None, start, end), principal.id
        )
        return _file(pdf, "application/pdf", f"club-{club_id}-{start}-{end}.pdf", code)

    @get("/export.csv", opt=VIEWER, media_type="text/csv")
    async def export_csv(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        sponsor_id: FromQuery[str | None] = None,
        club_id: FromQuery[str | None] = None,
        site_id: FromQuery[str | None] = None,
        date_from: FromQuery[date | None] = None,
        date_to: FromQuery[date | None] = None,
    ) -> Response[bytes]:
        """The rollup rows of the scope (day x site x sponsor x video x phase x trigger x match)."""
        scope = await scope_for(
            db_session, principal, Scope(club_id, sponsor_id, site_id, date_from, date_to)
        )
        rows = await queries.rollup_rows(await db_session.connection(), scope)
        return _file(csv_export.render(rows), "text/csv", "neopro-plays.csv", None)

    @get("/events", opt=VIEWER)
    async def events(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        sponsor_id: FromQuery[str | None] = None,
        club_id: FromQuery[str | None] = None,
        site_id: FromQuery[str | None] = None,
        date_from: FromQuery[date | None] = None,
        date_to: FromQuery[date | None] = None,
        flagged: FromQuery[bool] = False,
        limit: FromQuery[int] = 200,
        offset: FromQuery[int] = 0,
    ) -> list[EventOut]:
        """The raw plays behind the figures, oldest first; ``flagged=true``: only untrusted times."""
        if not 1 <= limit <= 1000 or offset < 0:
            raise ValidationException("limit: 1 to 1000; offset: 0 or more")
        scope = await scope_for(
            db_session, principal, Scope(club_id, sponsor_id, site_id, date_from, date_to)
        )
        query = select(PlayEvent).where(verification.event_filter(scope))
        if flagged:
            query = query.where(PlayEvent.time_flag.is_not(None))
        query = query.order_by(PlayEvent.started_at, PlayEvent.event_id).limit(limit).offset(offset)
        return [
            EventOut(**{f: getattr(e, f) for f in EventOut.__struct_fields__})
            for e in await db_session.scalars(query)
        ]

    @get("/verify", opt={"public": True})
    async def verify(self, db_session: DbSession, code: FromQuery[str]) -> Verification:
        """Re-check a report's verification code against the events in the database now."""
        rec = await db_session.scalar(select(ReportRecord).where(ReportRecord.code == code.strip().upper()))
        if rec is None:
            raise NotFoundException("no report was issued with this code")
        check = await verification.recheck(db_session, rec)
        return Verification(
            code=rec.code,
            kind=rec.kind,
            valid=check.valid,
            counted_then=rec.event_count,
            counted_now=check.counted_now,
            arrived_since=check.arrived_since,
            summary=verification.summary(rec, check),
            date_from=rec.date_from,
            date_to=rec.date_to,
            sponsor_id=rec.sponsor_id,
            generated_at=rec.created_at,
        )

    @get("/chains")
    async def chains(self, db_session: DbSession, principal: CurrentUser) -> list[ChainStatus]:
        """Each device's proof-of-play chain: verified up to, missing records, first break."""
        rows = await db_session.scalars(select(ChainState).where(club_scope(principal, ChainState.club_id)))
        out = []
        for st in rows:
            r = chain_report(st)
            out.append(
                ChainStatus(
                    device_id=r.device_id,
                    site_id=r.site_id,
                    verified_seq=r.verified_seq,
                    max_seq=r.max_seq,
                    missing=r.missing,
                    broken_at_seq=r.broken_at_seq,
                    complete=r.complete,
                    first_seq=r.first_seq,
                )
            )
        return out

    @post("/sponsor-viewers", status_code=200)
    async def grant_viewer(
        self, db_session: DbSession, principal: CurrentUser, data: JSONBody[ViewerGrant]
    ) -> ViewerGrant:
        """Bind a sponsor_viewer account (of your club) to the one sponsor whose numbers it may read."""
        user = owned_or_404(principal, await db_session.get(User, data.user_id), "user")
        if user.role != Role.SPONSOR_VIEWER.value:
            raise ValidationException(
                f"user_id: {user.email} has the role {user.role}; only a sponsor_viewer"
            )
        sponsor = await visible_sponsor(db_session, principal, data.sponsor_id)
        club_id = viewer_club(principal, sponsor, user.club_id)
        existing = await db_session.get(SponsorViewer, data.user_id)
        if existing is None:
            db_session.add(SponsorViewer(user_id=data.user_id, sponsor_id=data.sponsor_id, club_id=club_id))
        else:
            existing.sponsor_id = data.sponsor_id
            existing.club_id = club_id
        return data


class AlertController(Controller):
    path = "/alerts"
    tags = ["alerts"]

    @get("/")
    async def list_alerts(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        open_only: FromQuery[bool] = True,
        site_id: FromQuery[str | None] = None,
    ) -> list[AlertOut]:
        """Alerts of your club, newest first; ``open_only=false`` includes resolved ones."""
        query = (
            select(Alert)
            .where(club_scope(principal, Alert.club_id))
            .order_by(Alert.raised_at.desc())
            .limit(500)
        )
        if open_only:
            query = query.where(Alert.resolved_at.is_(None))
        if site_id is not None:
            query = query.where(Alert.site_id == site_id)
        return [
            AlertOut(
                id=a.id,
                club_id=a.club_id,
                site_id=a.site_id,
                kind=a.kind,
                severity=a.severity,
                message=a.message,
                detail=a.detail,
                raised_at=a.raised_at,
                resolved_at=a.resolved_at,
            )
            for a in await db_session.scalars(query)
        ]


def _file(body: bytes, media_type: str, filename: str, code: str | None) -> Response[bytes]:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if code:
        headers["X-Verification-Code"] = code
    return Response(content=body, media_type=media_type, headers=headers)


ADMIN_CONTROLLERS = [AnalyticsController, AlertController]
