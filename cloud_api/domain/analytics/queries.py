"""Analytics read from ``play_rollups`` (kept current by ingest): plays, seconds, completion.

One GROUP BY per breakdown over the scope's rollup rows, which the primary key
(sponsor, day, ...) or the (club, day) index finds directly: a sponsor's season costs the
same whether the raw table holds thousands of events or millions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
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


DIMENSIONS = (
    ("day", R.day), ("site", R.site_id), ("phase", R.phase), ("trigger", R.trigger),
    ("match", R.match_session_id), ("video", R.media_id),
)  # fmt: skip


def _row(key: Any, r: Any) -> Row:
    return Row(key=str(key), **_figures(r.plays, r.seconds, r.completed))


async def _breakdowns(conn: AsyncConnection, scope: Scope) -> dict[str, list[Row]]:
    """Every breakdown of the scope. PostgreSQL: one scan (GROUPING SETS); SQLite: one query each."""
    by: dict[str, list[Row]] = {name: [] for name, _ in DIMENSIONS}
    cols = [col for _, col in DIMENSIONS]
    if conn.dialect.name == "postgresql":
        query = (
            select(func.grouping(*cols).label("unused"), *cols, *_SUMS)
            .where(where(scope))
            .group_by(func.grouping_sets(*cols))
        )
        n = len(cols)
        for r in await conn.execute(query):
            # GROUPING() sets the bit of every column NOT grouped in this row's set: find the one that is.
            i = next(i for i in range(n) if not r.unused & (1 << (n - 1 - i)))
            by[DIMENSIONS[i][0]].append(_row(r[i + 1], r))
    else:
        for name, col in DIMENSIONS:
            query = select(col.label("key"), *_SUMS).where(where(scope)).group_by(col)
            by[name] = [_row(r.key, r) for r in await conn.execute(query)]
    for rows in by.values():
        rows.sort(key=lambda r: r.key)
    return by


async def analytics(conn: AsyncConnection, scope: Scope) -> Analytics:
    by = await _breakdowns(conn, scope)
    # Every play is on exactly one day: the totals are the sum of the days.
    days = by["day"]
    plays, completed = sum(r.plays for r in days), sum(r.completed for r in days)
    seconds = sum(r.seconds for r in days)
    matches = sum(1 for r in by["match"] if r.key)
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
            **_figures(plays, seconds, completed),
            active_sites=len(by["site"]),
            active_days=len(days),
            matches=matches,
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
