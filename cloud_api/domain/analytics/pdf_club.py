"""The club's PDF: usage (plays over time, loop vs triggered), content top 10, site health.

Blocking (reportlab): run :func:`render` in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reportlab.platypus import Spacer

from .pdf_common import (
    CODE,
    FIGURE_HEADER,
    H1,
    H2,
    SMALL,
    TITLE,
    build_pdf,
    figure_rows,
    hms,
    para,
    pct,
    plays_chart,
    table,
)
from .schemas import Analytics


@dataclass(frozen=True)
class SiteHealth:
    name: str
    last_seen: str
    temperature: str
    disk: str
    backlog: int
    open_alerts: int


@dataclass(frozen=True)
class ClubReport:
    club_name: str
    date_from: date
    date_to: date
    analytics: Analytics
    sponsors: list[tuple[str, int, float]]
    health: list[SiteHealth]
    code: str
    event_count: int
    generated_at: datetime


def render(r: ClubReport) -> bytes:
    t = r.analytics.totals
    story = [
        para(r.club_name, TITLE),
        para(f"Club report, {r.date_from.isoformat()} - {r.date_to.isoformat()}", H2),
        table(
            ("plays", "on screen", "completed", "matches", "sites", "days"),
            [
                (
                    f"{t.plays:,}",
                    hms(t.seconds),
                    pct(t.completion_rate),
                    t.matches,
                    t.active_sites,
                    t.active_days,
                )
            ],
        ),
        Spacer(1, 10),
        plays_chart(r.analytics.by_day),
        para("Usage: loop or triggered", H1),
        table(FIGURE_HEADER, figure_rows(r.analytics.by_trigger)),
        para("Sponsors", H2),
        table(("sponsor", "plays", "on screen"), [(n, p, hms(s)) for n, p, s in r.sponsors]),
        para("Content: top 10 videos", H1),
        table(FIGURE_HEADER, figure_rows(r.analytics.by_video, limit=10)),
        para("Site health", H1),
        table(
            ("site", "last seen", "temp.", "disk", "outbox", "open alerts"),
            [(h.name, h.last_seen, h.temperature, h.disk, h.backlog, h.open_alerts) for h in r.health],
        ),
        Spacer(1, 20),
        para("Verification code", H2),
        para(r.code, CODE),
        para(f"digest of the {r.event_count:,} proof-of-play records counted here", SMALL),
    ]
    return build_pdf(
        story,
        title=f"{r.club_name} - club report",
        first_footer="Neopro club report",
        later_footer=f"{r.club_name} - {r.code}",
    )
