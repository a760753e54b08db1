"""Alerts: each condition of a site is raised once, resolved by itself when it clears.

Conditions come from what is already stored: the latest heartbeat (``site_status``), the
playback errors of the last hour and the chain states. One evaluation compares the set of
conditions that hold now with the open alerts: new ones are inserted (a partial unique
index on open (site, kind) makes a second instance's insert a no-op), gone ones resolved.
Each change is posted to the optional webhook (Slack-compatible ``text`` plus the alert).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from cloud_api.db.models import Alert, ChainState, HeartbeatRow, PlaybackErrorRow, Site, SiteStatus

from .chain import ChainReport
from .chain import report as chain_report
from .settings import AnalyticsSettings

log = logging.getLogger("cloud_api.alerts")


@dataclass(frozen=True)
class Condition:
    club_id: str
    site_id: str
    kind: str
    severity: str
    message: str
    detail: dict[str, Any]


def _level(value: float | None, warn: float, crit: float) -> str | None:
    if value is None:
        return None
    return "critical" if value >= crit else "warning" if value >= warn else None


async def conditions(engine: AsyncEngine, s: AnalyticsSettings, now: datetime) -> list[Condition]:
    found: list[Condition] = []
    async with engine.connect() as conn:
        statuses = await conn.execute(
            select(
                SiteStatus.site_id,
                SiteStatus.last_seen_at,
                SiteStatus.temperature_c,
                SiteStatus.disk_percent,
                SiteStatus.outbox_backlog,
                Site.club_id,
                Site.name,
            ).join(Site, Site.id == SiteStatus.site_id)
        )
        backlog_of = {}
        # The backlog half an hour ago (the lowest seen around then): growing means uploads fail.
        earlier = dict(
            (
                await conn.execute(
                    select(HeartbeatRow.site_id, func.min(HeartbeatRow.outbox_backlog))
                    .where(
                        HeartbeatRow.received_at.between(
                            now - timedelta(minutes=35), now - timedelta(minutes=25)
                        )
                    )
                    .group_by(HeartbeatRow.site_id)
                )
            ).all()
        )
        for r in statuses.mappings():
            club_id, site_id, name, last_seen = r["club_id"], r["site_id"], r["name"], r["last_seen_at"]
            backlog_of[site_id] = r["outbox_backlog"]
            away = (now - last_seen).total_seconds()
            if away > s.offline_after_s:
                found.append(
                    Condition(
                        club_id,
                        site_id,
                        "site_offline",
                        "critical",
                        f"{name}: no heartbeat for {away / 60:.0f} min",
                        {"last_seen_at": last_seen.isoformat()},
                    )
                )
            level = _level(r["temperature_c"], s.temperature_warning_c, s.temperature_critical_c)
            if level:
                found.append(
                    Condition(
                        club_id,
                        site_id,
                        "temperature",
                        level,
                        f"{name}: {r['temperature_c']:.0f} C",
                        {"temperature_c": r["temperature_c"]},
                    )
                )
            level = _level(r["disk_percent"], s.disk_warning_percent, s.disk_critical_percent)
            if level:
                found.append(
                    Condition(
                        club_id,
                        site_id,
                        "disk_full",
                        level,
                        f"{name}: disk {r['disk_percent']:.0f} % full",
                        {"disk_percent": r["disk_percent"]},
                    )
                )
            backlog, before = r["outbox_backlog"], earlier.get(site_id)
            growing = before is not None and backlog - before >= s.outbox_growth
            if backlog >= s.outbox_backlog_max or growing:
                why = f", up from {before} half an hour ago" if growing else ""
                found.append(
                    Condition(
                        club_id,
                        site_id,
                        "outbox_backlog",
                        "warning",
                        f"{name}: {backlog} plays waiting to upload{why}",
                        {"outbox_backlog": backlog, "half_an_hour_ago": before},
                    )
                )
        errors = await conn.execute(
            select(PlaybackErrorRow.club_id, PlaybackErrorRow.site_id, func.count().label("n"))
            .where(PlaybackErrorRow.received_at >= now - timedelta(hours=1))
            .group_by(PlaybackErrorRow.club_id, PlaybackErrorRow.site_id)
            .having(func.count() >= s.player_errors_per_hour)
        )
        for club_id, site_id, n in errors:
            found.append(
                Condition(
                    club_id,
                    site_id,
                    "player_errors",
                    "warning",
                    f"{n} clips failed to play in the last hour",
                    {"errors_last_hour": n},
                )
            )
        for st in (await conn.execute(select(ChainState))).all():
            if st.broken_at_seq is not None:
                found.append(
                    Condition(
                        st.club_id,
                        st.site_id,
                        "chain_broken",
                        "critical",
                        f"device {st.device_id}: record {st.broken_at_seq} does not follow the one before "
                        "(altered or forged records)",
                        {"device_id": st.device_id, "seq": st.broken_at_seq},
                    )
                )
            elif (gap := chain_report(st)).missing and _gap_alerted(gap, backlog_of.get(st.site_id), s, now):
                waiting = (
                    "none waiting" if backlog_of.get(st.site_id) == 0 else f"missing since {gap.gap_since}"
                )
                found.append(
                    Condition(
                        st.club_id,
                        st.site_id,
                        "chain_gap",
                        "warning",
                        f"device {st.device_id}: {gap.missing} records missing ({waiting})",
                        {"device_id": st.device_id, "missing": gap.missing, "first_seq": gap.first_seq},
                    )
                )
    return found


def _gap_alerted(gap: ChainReport, backlog: int | None, s: AnalyticsSettings, now: datetime) -> bool:
    """A gap is alerted when nothing is left to upload, or when it has lasted ``chain_gap_after_s``.

    The backlog alone never clears while the TV plays (the clip on screen is an open outbox
    row), so the age of the gap is what raises it in practice.
    """
    if backlog == 0:
        return True
    return gap.gap_since is not None and now - gap.gap_since >= timedelta(seconds=s.chain_gap_after_s)


async def evaluate(
    engine: AsyncEngine, s: AnalyticsSettings, now: datetime, http: httpx.AsyncClient | None = None
) -> tuple[list[Alert], list[Alert]]:
    """Raise what is new, resolve what cleared; returns (raised, resolved)."""
    holding = {(c.site_id, c.kind): c for c in await conditions(engine, s, now)}
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    raised: list[Alert] = []
    resolved: list[Alert] = []
    async with engine.begin() as conn:
        open_rows = (await conn.execute(select(Alert).where(Alert.resolved_at.is_(None)))).all()
        open_keys = {(a.site_id, a.kind): a for a in open_rows}
        for key, a in open_keys.items():
            if key not in holding:
                # Only the instance whose UPDATE resolves it reports it: no double webhook.
                done = await conn.execute(
                    update(Alert).where(Alert.id == a.id, Alert.resolved_at.is_(None)).values(resolved_at=now)
                )
                if done.rowcount:
                    resolved.append(_alert(a._mapping, resolved_at=now))
            elif holding[key].severity != a.severity or holding[key].message != a.message:
                c = holding[key]
                await conn.execute(
                    update(Alert)
                    .where(Alert.id == a.id)
                    .values(severity=c.severity, message=c.message, detail=c.detail)
                )
        for key, c in holding.items():
            if key in open_keys:
                continue
            stmt = (
                insert(Alert)
                .values(
                    club_id=c.club_id,
                    site_id=c.site_id,
                    kind=c.kind,
                    severity=c.severity,
                    message=c.message,
                    detail=c.detail,
                    raised_at=now,
                )
                .on_conflict_do_nothing(
                    index_elements=["site_id", "kind"], index_where=Alert.resolved_at.is_(None)
                )
            )
            row = (await conn.execute(stmt.returning(*Alert.__table__.c))).first()
            if row is not None:
                raised.append(_alert(row._mapping))
    if s.webhook_url and (raised or resolved):
        await _notify(s.webhook_url, raised, resolved, http)
    return raised, resolved


def _alert(m: Any, **changes: Any) -> Alert:
    fields = {
        k: m[k]
        for k in (
            "id",
            "club_id",
            "site_id",
            "kind",
            "severity",
            "message",
            "detail",
            "raised_at",
            "resolved_at",
        )
    }
    fields.update(changes)
    return Alert(**fields)


async def _notify(
    url: str, raised: list[Alert], resolved: list[Alert], http: httpx.AsyncClient | None
) -> None:
    def one(a: Alert, state: str) -> dict[str, Any]:
        return {
            "state": state,
            "id": a.id,
            "site_id": a.site_id,
            "club_id": a.club_id,
            "kind": a.kind,
            "severity": a.severity,
            "message": a.message,
        }

    alerts = [one(a, "raised") for a in raised] + [one(a, "resolved") for a in resolved]
    text = "\n".join(f"[{x['state']}] {x['severity']} {x['kind']}: {x['message']}" for x in alerts)
    try:
        if http is None:
            async with httpx.AsyncClient(timeout=10) as client:
                await client.post(url, json={"text": text, "alerts": alerts})
        else:
            await http.post(url, json={"text": text, "alerts": alerts})
    except httpx.HTTPError as exc:
        log.warning("alert webhook %s failed: %s (the alerts stay listed in the API)", url, exc)
