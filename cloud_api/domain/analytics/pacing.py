"""Contract pacing: target vs delivered so far vs projected at the end of the period.

A season contract's target is spread evenly over its days; the projection extends the pace
so far to the last day, so a shortfall shows within the first days of a contract, while
there is still time to put the video in more loops. A per-match contract's target is per
match played so far (matches = match sessions with at least one play of the sponsor).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_api.db.models import PlayRollup, SponsorContract

from .access import Scope
from .queries import where
from .schemas import Pacing

#: Projected below this share of the target: "at_risk"; below the next: "behind".
AT_RISK = 1.0
BEHIND = 0.9


async def pacing(conn: AsyncConnection, contract: SponsorContract, today: date) -> Pacing:
    scope = Scope(
        club_id=contract.club_id,
        sponsor_id=contract.sponsor_id,
        site_id=contract.site_id,
        date_from=contract.starts_on,
        date_to=min(contract.ends_on, today),
    )
    R = PlayRollup
    row = (
        await conn.execute(
            select(
                func.coalesce(func.sum(R.plays), 0).label("plays"),
                func.coalesce(func.sum(R.seconds), 0.0).label("seconds"),
                func.count(distinct(R.match_session_id)).filter(R.match_session_id != "").label("matches"),
            ).where(where(scope))
        )
    ).one()
    measure = "plays" if contract.target_plays else "seconds"
    per_target = float(contract.target_plays or contract.target_seconds or 0)
    delivered = float(row.plays if measure == "plays" else row.seconds)
    matches = int(row.matches or 0)
    total_days = (contract.ends_on - contract.starts_on).days + 1
    elapsed = min(max((today - contract.starts_on).days + 1, 0), total_days)
    if contract.per == "match":
        target = per_target * matches
        expected, projected = target, delivered
    else:
        target = per_target
        expected = target * elapsed / total_days
        projected = delivered * total_days / elapsed if elapsed else 0.0
    status, warning = _status(contract, today, measure, target, delivered, projected, elapsed, total_days)
    return Pacing(
        contract_id=contract.id,
        sponsor_id=contract.sponsor_id,
        site_id=contract.site_id,
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        per=contract.per,
        measure=measure,
        target=round(target, 3),
        delivered=round(delivered, 3),
        expected_by_now=round(expected, 3),
        projected=round(projected, 3),
        matches=matches,
        progress=round(delivered / target, 4) if target else 0.0,
        status=status,
        warning=warning,
    )


def _status(
    contract: SponsorContract,
    today: date,
    measure: str,
    target: float,
    delivered: float,
    projected: float,
    elapsed: int,
    total_days: int,
) -> tuple[str, str | None]:
    if today < contract.starts_on:
        return "not_started", None
    if target and delivered >= target:
        return "met", None
    short = target - projected
    if today > contract.ends_on:
        return "ended_short", f"ended {target - delivered:.0f} {measure} short of the {target:.0f} promised"
    if not target or projected >= target * AT_RISK:
        return "on_track", None
    days_left = total_days - elapsed
    need = (target - delivered) / days_left if days_left else target - delivered
    status = "at_risk" if projected >= target * BEHIND else "behind"
    return status, (
        f"at this pace {projected:.0f} of {target:.0f} {measure} by {contract.ends_on.isoformat()} "
        f"({short:.0f} short): about {need:.0f} {measure} a day are needed from now on"
    )


async def contracts_pacing(
    conn: AsyncConnection, contracts: list[SponsorContract], today: date
) -> list[Pacing]:
    return [await pacing(conn, c, today) for c in contracts]


def contracts_query(sponsor_id: str, club_id: str | None):  # type: ignore[no-untyped-def]
    query = select(SponsorContract).where(SponsorContract.sponsor_id == sponsor_id)
    if club_id is not None:
        query = query.where(SponsorContract.club_id == club_id)
    return query.order_by(SponsorContract.starts_on)
