"""What the analytics API answers (msgspec Structs: the PDF and the CSV are built from these)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from msgspec import Struct


class Figures(Struct, kw_only=True):
    plays: int = 0
    seconds: float = 0.0
    completed: int = 0
    completion_rate: float = 0.0


class Row(Figures, kw_only=True):
    key: str
    label: str = ""


class Totals(Figures, kw_only=True):
    active_sites: int = 0
    active_days: int = 0
    matches: int = 0


class Analytics(Struct, kw_only=True):
    club_id: str | None
    sponsor_id: str | None
    site_id: str | None
    date_from: date | None
    date_to: date | None
    totals: Totals
    by_day: list[Row]
    by_site: list[Row]
    by_phase: list[Row]
    by_trigger: list[Row]
    by_match: list[Row]
    by_video: list[Row]


class Pacing(Struct, kw_only=True):
    contract_id: str
    sponsor_id: str
    site_id: str | None
    starts_on: date
    ends_on: date
    per: str
    measure: str  # "plays" or "seconds"
    target: float  # for the whole contract (per match: target x matches so far)
    delivered: float
    expected_by_now: float
    projected: float
    matches: int
    progress: float  # delivered / target
    status: str  # "met", "on_track", "at_risk", "behind", "not_started", "ended_short"
    warning: str | None = None


class ChainStatus(Struct, kw_only=True):
    device_id: str
    site_id: str
    verified_seq: int
    max_seq: int
    missing: int
    broken_at_seq: int | None
    complete: bool
    #: Where the chain starts for this device id (above 1 after a re-enrolment).
    first_seq: int = 1


class Verification(Struct, kw_only=True):
    code: str
    kind: str
    #: The events the report counted (received by ``generated_at``) are all there, unaltered.
    valid: bool
    counted_then: int
    #: The same events as found now (fewer if some were deleted).
    counted_now: int
    #: Events of the same scope received after the report was issued (late uploads, not a fault).
    arrived_since: int = 0
    #: One sentence for a person: valid or not, and what changed.
    summary: str = ""
    date_from: date
    date_to: date
    sponsor_id: str | None
    generated_at: datetime


class AlertOut(Struct, kw_only=True):
    id: int
    club_id: str
    site_id: str
    kind: str
    severity: str
    message: str
    detail: dict[str, Any]
    raised_at: datetime
    resolved_at: datetime | None


class ViewerGrant(Struct, kw_only=True):
    user_id: str
    sponsor_id: str


class EventOut(Struct, kw_only=True):
    """One stored play (drill-down): the corrected time, and how far it can be trusted."""

    event_id: str
    site_id: str
    media_id: str
    sponsor_id: str | None
    phase: str
    trigger: str
    started_at: datetime
    #: started_at + the monotonic duration (None while unknown).
    ended_at: datetime | None
    device_started_at: datetime
    seconds_on_screen: float
    completed: bool
    interrupted_by: str | None
    match_session_id: str | None
    clock_source: str
    time_flag: str | None
    seq: int | None
    received_at: datetime
