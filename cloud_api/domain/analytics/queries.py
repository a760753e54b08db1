"""Analytics read from ``play_rollups`` (kept current by ingest): plays, seconds, completion.

One GROUP BY per breakdown over the scope's rollup rows, which the primary key
(sponsor, day, ...) or the (club, day) index finds directly: a sponsor's season costs the
same whether the raw table holds thousands of events or millions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_api.db.models import Media, PlayRollup, Site

from .access import Scope
from .schemas import Analytics, Row, Totals

R = PlayRollup


def where(scope: Scope) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if scope.sponsor_id is not None:
        clauses.append(R.sponsor_id == scope.sponsor_id)
    if scope.club_id is not None:
        clauses.append(R.club_id == scope.club_id)
    if scope.site_id is not None:
        clauses.append(R.site_id == scope.site_id)
    if scope.date_from is not None:
        clauses.append(R.day >= scope.date_from)
    if scope.date_to is not None:
        clauses.append(R.day <= scope.date_to)
    return and_(*clauses) if clauses else R.plays >= 0


_SUMS = (
    func.sum(R.plays).label("plays"),
    func.sum(R.seconds).label("seconds"),
    func.sum(R.completed).label("completed"),
)


def _figures(plays: Any, seconds: Any, completed: Any) -> dict[str, Any]:
    plays, completed = int(plays or 0), int(completed or 0)
    return {
        "plays": plays,
        "seconds": round(float(seconds or 0.0), 3),
        "completed": completed,
        "completion_rate": round(completed / plays, 4) if plays else 0.0,
    }


async def _group(conn: AsyncConnection, scope: Scope, column: Any) -> list[Row]:
    query = select(column.label("key"), *_SUMS).where(where(scope)).group_by(column).order_by(column)
    return [
        Row(key=str(r.key), **_figures(r.plays, r.seconds, r.completed)) for r in await conn.execute(query)
    ]


async def analytics(conn: AsyncConnection, scope: Scope) -> Analytics:
    total = (
        await conn.execute(
            select(
                *_SUMS,
                func.count(distinct(R.site_id)).label("sites"),
                func.count(distinct(R.day)).label("days"),
                func.count(distinct(R.match_session_id)).filter(R.match_session_id != "").label("matches"),
            ).where(where(scope))
        )
    ).one()
    by = {
        name: await _group(conn, scope, col)
        for name, col in (
            ("day", R.day),
            ("site", R.site_id),
            ("phase", R.phase),
            ("trigger", R.trigger),
            ("match", R.match_session_id),
            ("video", R.media_id),
        )
    }
    by["match"] = [r for r in by["match"] if r.key]  # plays outside any match are not "a match"
    await _label(conn, by["site"], Site.id, Site.name)
    await _label(conn, by["video"], Media.id, Media.name)
    for rows in (by["site"], by["video"], by["match"]):
        rows.sort(key=lambda r: (-r.plays, r.key))
    return Analytics(
        club_id=scope.club_id,
        sponsor_id=scope.sponsor_id,
        site_id=scope.site_id,
        date_from=scope.date_from,
        date_to=scope.date_to,
        totals=Totals(
            **_figures(total.plays, total.seconds, total.completed),
            active_sites=total.sites,
            active_days=total.days,
            matches=total.matches or 0,
        ),
        by_day=by["day"],
        by_site=by["site"],
        by_phase=by["phase"],
        by_trigger=by["trigger"],
        by_match=by["match"],
        by_video=by["video"],
    )


async def _label(conn: AsyncConnection, rows: list[Row], id_col: Any, name_col: Any) -> None:
    ids = [r.key for r in rows]
    if not ids:
        return
    names = dict((await conn.execute(select(id_col, name_col).where(id_col.in_(ids)))).all())
    for r in rows:
        r.label = names.get(r.key, r.key)


async def rollup_rows(conn: AsyncConnection, scope: Scope) -> list[Any]:
    """The scope's rollup rows, finest grain (the CSV export)."""
    query = (
        select(R)
        .where(where(scope))
        .order_by(R.day, R.site_id, R.match_session_id, R.phase, R.trigger, R.media_id)
    )
    return list((await conn.execute(query)).all())
