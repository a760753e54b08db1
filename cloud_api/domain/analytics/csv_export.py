"""CSV export: the scope's rollup rows at their finest grain; their sums are the API's totals."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

HEADER = (
    "day",
    "club_id",
    "site_id",
    "sponsor_id",
    "media_id",
    "phase",
    "trigger",
    "match_session_id",
    "plays",
    "seconds",
    "completed",
)


def render(rows: Sequence[Any]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow(
            [
                r.day.isoformat(),
                r.club_id,
                r.site_id,
                r.sponsor_id,
                r.media_id,
                r.phase,
                r.trigger,
                r.match_session_id,
                r.plays,
                f"{r.seconds:.3f}",
                r.completed,
            ]
        )
    return buf.getvalue().encode()
