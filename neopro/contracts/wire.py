"""The edge wire protocol (contract 2): phones <-> hub <-> player, JSON over websocket.

Every message is a JSON object with a ``type`` (the tag below) and the protocol version
``v``. A sender may give an ``id``; replies about that message (``ack``, ``started``,
``error``) carry it back in ``of``, which is how a phone sees its own tap confirmed when
the TV actually plays the clip.

A message that is not valid JSON, has an unknown ``type`` or a wrong field gets an
:class:`Error` back naming the problem; the connection stays up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from ._errors import ContractError
from ._types import Id, Phase, Text, Trigger

PROTOCOL_VERSION = 1
#: The largest frame a hub or player accepts; anything bigger is refused unread.
MAX_FRAME_BYTES = 64 * 1024

CorrelationId = Annotated[str, Meta(min_length=1, max_length=64)]
#: A screenshot's JPEG in base64: under a frame, and under a command result's 64 KiB.
SCREENSHOT_MAX_CHARS = 48 * 1024
TeamName = Annotated[str, Meta(max_length=40)]
Score = Annotated[int, Meta(ge=0, le=999)]


class Message(Struct, tag_field="type", kw_only=True, forbid_unknown_fields=True):
    v: Literal[1] = PROTOCOL_VERSION
    id: CorrelationId | None = None


# -- session ---------------------------------------------------------------------------
class Hello(Message, tag="hello", kw_only=True):
    """First message of the player (with its local token) or of any client.

    ``agent``: the sync agent, with the same local token as the player. It receives the
    ``state`` broadcasts (to report what is on air and to gate a software update on the
    player's health) and may send only ``reload_config`` after it applied a configuration.
    """

    role: Literal["phone", "player", "agent"]
    token: Annotated[str, Meta(max_length=256)] | None = None
    client: Annotated[str, Meta(max_length=80)] = ""


class RequestState(Message, tag="request_state", kw_only=True):
    pass


# -- commands: phone -> hub -> player --------------------------------------------------
class PlayVideo(Message, tag="play", kw_only=True):
    """Cut in a clip now: a given video, or the next clip of a category."""

    video_id: Id | None = None
    category_id: Id | None = None
    trigger: Trigger = Trigger.REMOTE

    def __post_init__(self) -> None:
        if (self.video_id is None) == (self.category_id is None):
            raise ValueError("give exactly one of video_id or category_id")


class BackToLoop(Message, tag="back_to_loop", kw_only=True):
    pass


class Pause(Message, tag="pause", kw_only=True):
    pass


class Resume(Message, tag="resume", kw_only=True):
    pass


class SetVolume(Message, tag="set_volume", kw_only=True):
    volume: Annotated[int, Meta(ge=0, le=100)]


class SetMute(Message, tag="set_mute", kw_only=True):
    muted: bool


class SetBlackout(Message, tag="set_blackout", kw_only=True):
    """Intentional black: the only black the TV ever shows."""

    on: bool


class SetPhase(Message, tag="set_phase", kw_only=True):
    phase: Phase
    #: Switch loops at once, or when the clip on air ends.
    when: Literal["now", "end_of_clip"] = "now"


class ShowMessage(Message, tag="show_message", kw_only=True):
    """A text message/ticker on the TV; empty text clears it."""

    text: Text
    seconds: Annotated[float, Meta(gt=0, le=3600)] | None = None


class Identify(Message, tag="identify", kw_only=True):
    """Show the site's identity card on the TV for a few seconds."""

    seconds: Annotated[float, Meta(gt=0, le=60)] = 10.0


class ReloadConfig(Message, tag="reload_config", kw_only=True):
    """The agent or the local admin applied a new configuration: take it."""


# -- match state: phone -> hub ---------------------------------------------------------
class TakeScreenshot(Message, tag="take_screenshot", kw_only=True):
    """The agent asks, for the cloud, what the TV shows now; the player answers :class:`Screenshot`."""


class ScoreChange(Message, tag="score_change", kw_only=True):
    team: Literal["home", "away"]
    delta: Annotated[int, Meta(ge=-10, le=10)]


class ScoreReset(Message, tag="score_reset", kw_only=True):
    pass


class SetTeams(Message, tag="set_teams", kw_only=True):
    home: TeamName
    away: TeamName


class MatchStart(Message, tag="match_start", kw_only=True):
    opponent: TeamName = ""
    competition: Annotated[str, Meta(max_length=80)] = ""
    audience_estimate: Annotated[int, Meta(ge=0, le=1_000_000)] = 0


class MatchUpdate(Message, tag="match_update", kw_only=True):
    audience_estimate: Annotated[int, Meta(ge=0, le=1_000_000)]


class MatchEnd(Message, tag="match_end", kw_only=True):
    pass


# -- state ------------------------------------------------------------------------------
class MatchSession(Struct, kw_only=True):
    id: Id
    started_at: datetime
    opponent: str = ""
    competition: str = ""
    audience_estimate: int = 0
    ended_at: datetime | None = None


class MatchState(Struct, kw_only=True):
    home_name: TeamName = "HOME"
    away_name: TeamName = "AWAY"
    home_score: Score = 0
    away_score: Score = 0
    phase: Phase = Phase.NEUTRAL
    session: MatchSession | None = None


class OnAir(Struct, kw_only=True):
    video_id: str
    title: str
    category_id: str | None = None
    sponsor_id: str | None = None
    trigger: Trigger
    position_s: float = 0.0
    duration_s: float = 0.0


class PlayerStatus(Struct, kw_only=True):
    on_air: OnAir | None = None
    next_up: OnAir | None = None
    phase: Phase = Phase.NEUTRAL
    volume: int = 100
    muted: bool = False
    paused: bool = False
    blackout: bool = False
    #: Nothing playable: the idle/pairing screen is shown (by design, not a fault).
    idle: bool = True
    message: str = ""
    #: The overlays on the TV now: "score", "message", "identify", "blackout".
    overlays: list[str] = []
    config_version: int | None = None
    last_error: str | None = None


# -- hub -> player ---------------------------------------------------------------------
class MatchStateUpdate(Message, tag="match_state", kw_only=True):
    """The hub's match state, sent to the player on connect and on every change."""

    match: MatchState


# -- player -> hub ---------------------------------------------------------------------
class PlayerState(Message, tag="player_state", kw_only=True):
    status: PlayerStatus


class Started(Message, tag="started", kw_only=True):
    """The clip asked for by message ``of`` is on screen now (mpv showed its first frame)."""

    of: CorrelationId | None = None
    video_id: str


class Screenshot(Message, tag="screenshot", kw_only=True):
    """What the TV showed when message ``of`` (a :class:`TakeScreenshot`) arrived: a small JPEG."""

    of: CorrelationId | None = None
    width: Annotated[int, Meta(ge=1, le=1920)]
    height: Annotated[int, Meta(ge=1, le=1080)]
    #: Base64 of the JPEG; small enough for one frame and for a command's result.
    jpeg_base64: Annotated[str, Meta(max_length=SCREENSHOT_MAX_CHARS)]
    taken_at: datetime


# -- hub -> phones ---------------------------------------------------------------------
class State(Message, tag="state", kw_only=True):
    """The whole truth, sent to a phone when it connects and after every change."""

    player_connected: bool
    player: PlayerStatus
    match: MatchState
    #: Changes whenever the applied site configuration changes (even a local, unpublished
    #: edit that keeps ``config_version``): a phone fetches the categories again.
    site_etag: str | None = None


# -- replies ----------------------------------------------------------------------------
class Ack(Message, tag="ack", kw_only=True):
    of: CorrelationId | None = None


class Error(Message, tag="error", kw_only=True):
    of: CorrelationId | None = None
    code: Literal[
        "bad_json",
        "bad_message",
        "too_large",
        "rate_limited",
        "forbidden",
        "unauthenticated",
        "not_found",
        "player_offline",
        "unsupported_version",
        #: The receiver failed while obeying a valid message (a bug): see its log.
        "internal",
    ]
    field: str | None = None
    message: str


# -- groups: who may send what ---------------------------------------------------------
PlayerCommand = (
    PlayVideo
    | BackToLoop
    | Pause
    | Resume
    | SetVolume
    | SetMute
    | SetBlackout
    | SetPhase
    | ShowMessage
    | Identify
    | ReloadConfig
)
MatchCommand = ScoreChange | ScoreReset | SetTeams | MatchStart | MatchUpdate | MatchEnd
#: What a phone may send to the hub.
PhoneMessage = Hello | RequestState | PlayerCommand | MatchCommand
#: What the hub may send to the player.
ToPlayer = PlayerCommand | TakeScreenshot | MatchStateUpdate | Ack | Error
#: What the player may send to the hub.
FromPlayer = Hello | PlayerState | Started | Screenshot | Ack | Error
#: What a phone receives.
ToPhone = State | Ack | Error | Started
AnyMessage = (
    PhoneMessage
    | TakeScreenshot
    | MatchStateUpdate
    | PlayerState
    | Started
    | Screenshot
    | State
    | Ack
    | Error
)

PHONE_COMMAND_TYPES = frozenset(
    t.__struct_config__.tag
    for t in PlayerCommand.__args__  # type: ignore[attr-defined]
)


class _Codec:
    def __init__(self, union: object) -> None:
        self._decoder = msgspec.json.Decoder(union)

    def decode(self, data: bytes | str) -> Message:
        """Decode one frame, or raise :class:`ContractError` with a code-friendly field."""
        if isinstance(data, str):
            data = data.encode()
        if len(data) > MAX_FRAME_BYTES:
            raise ContractError("$", f"frame of {len(data)} bytes is over {MAX_FRAME_BYTES}")
        try:
            return self._decoder.decode(data)
        except msgspec.ValidationError as exc:  # a subclass of DecodeError: first
            raise ContractError.from_msgspec(exc) from None
        except msgspec.DecodeError as exc:
            raise ContractError("$", f"not valid JSON: {exc}") from None
        except RecursionError:  # a hostile "[[[[...": msgspec gives up, so do we, politely
            raise ContractError("$", "not valid JSON: nested too deeply") from None


phone_codec = _Codec(PhoneMessage)
to_player_codec = _Codec(ToPlayer)
from_player_codec = _Codec(FromPlayer)
to_phone_codec = _Codec(ToPhone)
any_codec = _Codec(AnyMessage)


def encode(message: Message) -> bytes:
    return msgspec.json.encode(message)


def error_for(exc: ContractError, of: str | None = None) -> Error:
    """The reply to a frame that broke the contract."""
    code = "bad_json" if exc.reason.startswith("not valid JSON") else "bad_message"
    if exc.reason.startswith("frame of"):
        code = "too_large"
    return Error(code=code, field=exc.field, message=exc.reason, of=of)
