"""The sponsor's PDF: what their money bought, per site, phase and match, and how to verify it.

Built from the same :class:`~.schemas.Analytics` the API answers, so every figure in it is
the API's. Blocking (reportlab): run :func:`render` in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reportlab.platypus import PageBreak, Spacer

from .pdf_common import (
    CODE,
    FIGURE_HEADER,
    H1,
    H2,
    SMALL,
    TITLE,
    WIDTH,
    build_pdf,
    figure_rows,
    hms,
    para,
    pct,
    plays_chart,
    table,
)
from .schemas import Analytics, Pacing

PHASES = {
    "neutral": "outside matches",
    "before": "before the match",
    "during": "during the match",
    "half_time": "half-time",
    "after": "after the match",
}


@dataclass(frozen=True)
class SponsorReport:
    sponsor_name: str
    club_name: str
    date_from: date
    date_to: date
    analytics: Analytics
    pacing: list[Pacing]
    code: str
    event_count: int
    generated_at: datetime
    verify_url: str
    chain_note: str


def render(r: SponsorReport) -> bytes:
    t = r.analytics.totals
    story = [
        Spacer(1, 40 * 2),
        para("Airtime report", H2),
        para(r.sponsor_name, TITLE),
        para(f"shown at {r.club_name}", H2),
        para(f"{r.date_from.strftime('%d %B %Y')} - {r.date_to.strftime('%d %B %Y')}"),
        Spacer(1, 30),
        table(
            ("In this period", ""),
            [
                ("Plays", f"{t.plays:,}"),
                ("Time on screen", hms(t.seconds)),
                ("Completed plays", pct(t.completion_rate)),
                ("Matches", t.matches),
                ("Sites", t.active_sites),
                ("Days with plays", t.active_days),
            ],
            widths=[WIDTH * 0.5, WIDTH * 0.3],
        ),
        Spacer(1, 30),
        para("Verification code", H2),
        para(r.code, CODE),
        para(
            f"This code is a digest of the {r.event_count:,} proof-of-play records counted in this report. "
            f"Anyone can re-check it at {r.verify_url}: it no longer matches if a single record was removed, "
            "added or altered since."
        ),
        para(r.chain_note),
        para(f"generated {r.generated_at.strftime('%Y-%m-%d %H:%M UTC')}", SMALL),
        PageBreak(),
        para("Summary", H1),
        plays_chart(r.analytics.by_day),
        para("By phase of play", H2),
        table(
            FIGURE_HEADER,
            [
                [PHASES.get(x.key, x.key), x.plays, hms(x.seconds), pct(x.completion_rate)]
                for x in r.analytics.by_phase
            ],
        ),
        para("Loop or triggered", H2),
        table(
            FIGURE_HEADER,
            [
                [
                    ("in the sponsor loop" if x.key == "loop" else f"triggered ({x.key})"),
                    x.plays,
                    hms(x.seconds),
                    pct(x.completion_rate),
                ]
                for x in r.analytics.by_trigger
            ],
        ),
        para("By site", H2),
        table(FIGURE_HEADER, figure_rows(r.analytics.by_site)),
        para("By video", H2),
        table(FIGURE_HEADER, figure_rows(r.analytics.by_video)),
        PageBreak(),
        para("Per match", H1),
        table(("match", "plays", "on screen", "completed"), figure_rows(r.analytics.by_match))
        if r.analytics.by_match
        else para("No plays during a match in this period."),
        para("Contract progress", H1),
    ]
    if r.pacing:
        story.append(
            table(
                ("period", "per", "target", "delivered", "projected", "status"),
                [
                    (
                        f"{p.starts_on} - {p.ends_on}",
                        p.per,
                        f"{p.target:,.0f} {p.measure}",
                        f"{p.delivered:,.0f}",
                        f"{p.projected:,.0f}",
                        p.status.replace("_", " "),
                    )
                    for p in r.pacing
                ],
            )
        )
        story += [para(p.warning, SMALL) for p in r.pacing if p.warning]
    else:
        story.append(para("No contract is recorded for this sponsor."))
    return build_pdf(
        story,
        title=f"{r.sponsor_name} - airtime report",
        first_footer="Neopro airtime report",
        later_footer=f"{r.sponsor_name} - {r.code}",
    )
