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
    #: The tamper-evident chain (stamped by :mod:`neopro.proof_chain` when the row is closed):
    #: 1, 2, 3 ... per device in the order events are finalised, and the sha256 hex
    #: (:func:`neopro.proof_chain.event_hash`) of the device's previous finalised event.
    seq: Annotated[int, Meta(ge=1)] | None = None
    prev_hash: Sha256 | None = None


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


# -- the upload of the outbox (device API: ``POST /device/v1/events``) -------------------
EVENTS_PATH = "/device/v1/events"
#: Events (plus playback errors) one batch may carry; the agent sends a few hundred at a time.
MAX_BATCH = 10_000


class EventBatch(Struct, kw_only=True, forbid_unknown_fields=False):
    """What the agent uploads: outbox bodies as they are stored (``msgspec.Raw(body)``).

    Each event is decoded on its own, so one malformed event is rejected with its reason while
    the others are stored. ``boot_id`` + ``sent_mono_ns`` (the sender's monotonic clock when
    the batch left) let the cloud date the events of a Pi whose wall clock was never synced:
    boot time = arrival - ``sent_mono_ns``.
    """

    events: list[msgspec.Raw] = []
    errors: list[msgspec.Raw] = []
    boot_id: Annotated[str, Meta(max_length=64)] | None = None
    sent_mono_ns: Annotated[int, Meta(ge=0)] | None = None


class Rejection(Struct, kw_only=True):
    #: Position in ``events`` (or in ``errors`` when ``kind`` is "playback_error").
    index: int
    kind: Literal["proof_of_play", "playback_error"] = "proof_of_play"
    event_id: str | None = None
    field: str
    reason: str


class EventBatchResult(Struct, kw_only=True):
    """Delete from the outbox every event not in ``rejections`` (stored now or already)."""

    accepted: int
    duplicate: int
    rejected: int
    rejections: list[Rejection] = []
