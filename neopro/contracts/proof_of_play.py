"""The proof-of-play event (contract 3).

One row per clip that was on screen, looped or triggered. It is written when the clip
starts (so a power cut mid-clip still leaves a record) and completed when the clip ends or
is interrupted. A Pi has no real-time clock: ``boot_id`` + monotonic nanoseconds order the
events of one boot exactly, and ``clock_synced`` says whether the wall time can be trusted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from ._errors import decode_json
from ._types import Id, Phase, Sha256, Trigger

EventId = Annotated[str, Meta(pattern=r"^[0-9a-f]{32}$", description="uuid4 as 32 hex digits")]
Score = Annotated[int, Meta(ge=0, le=999)]

#: Why a clip left the screen before its end.
InterruptedBy = Literal[
    "trigger",  # a triggered clip cut in
    "phase",  # the match phase changed
    "back_to_loop",  # the operator went back to the loop
    "blackout",  # the operator blacked out the TV
    "config",  # a new configuration removed or replaced the clip
    "error",  # the clip failed to play on
    "shutdown",  # the player stopped (or the power went: completed later as such)
]


class ProofOfPlay(Struct, kw_only=True, forbid_unknown_fields=True):
    event_id: EventId
    site_id: Id | None = None
    media_id: Id
    sha256: Sha256
    sponsor_id: Id | None = None
    category_id: Id | None = None
    phase: Phase
    trigger: Trigger
    started_at: datetime
    ended_at: datetime | None = None
    seconds_on_screen: Annotated[float, Meta(ge=0)] = 0.0
    completed: bool = False
    interrupted_by: InterruptedBy | None = None
    score_home: Score | None = None
    score_away: Score | None = None
    match_session_id: Id | None = None
    boot_id: Annotated[str, Meta(min_length=1, max_length=64)]
    started_mono_ns: Annotated[int, Meta(ge=0)]
    ended_mono_ns: Annotated[int, Meta(ge=0)] | None = None
    clock_synced: bool = False


class PlaybackError(Struct, kw_only=True, forbid_unknown_fields=True):
    """A clip that could not be played (missing, corrupt, undecodable, deleted while on air)."""

    event_id: EventId
    site_id: Id | None = None
    media_id: Id | None = None
    sha256: Sha256 | None = None
    reason: Annotated[str, Meta(max_length=500)]
    at: datetime
    boot_id: str
    mono_ns: int
    clock_synced: bool = False


def parse_proof_of_play(data: bytes | str) -> ProofOfPlay:
    return decode_json(data, ProofOfPlay)


def encode(event: ProofOfPlay | PlaybackError) -> bytes:
    return msgspec.json.encode(event)
