"""How the player runs on this machine, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from neopro.datadir import DataDir

from .hwdec import Board, detect_board

DEFAULT_HUB_URL = "ws://127.0.0.1:8080/ws"
#: NetworkManager's hotspot gives the Pi 10.42.0.1; the hub listens on 8080.
DEFAULT_REMOTE_URL = "http://10.42.0.1:8080/"


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "yes", "true", "on"}


def _mpv_options(raw: str) -> dict[str, str]:
    """``NEOPRO_PLAYER_MPV_OPTIONS="dump-stats=/tmp/s.txt,volume-max=100"``: extra libmpv options."""
    out: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in raw.split(","))):
        key, _, value = item.partition("=")
        out[key.strip()] = value.strip() or "yes"
    return out


@dataclass(frozen=True)
class PlayerSettings:
    data_dir: DataDir
    hub_url: str = DEFAULT_HUB_URL
    #: libmpv video output: ``gpu`` (a window, or DRM/KMS on a Pi), ``x11``, ``null`` (headless).
    vo: str = "null"
    ao: str = "null"
    #: ``per-codec`` (the default: see :mod:`.hwdec`), or any mpv ``--hwdec`` value for every clip.
    hwdec: str = "per-codec"
    fullscreen: bool = True
    #: ``drm`` on a Pi without X; None lets mpv choose.
    gpu_context: str | None = None
    #: The HDMI mode pinned on a Pi (a TV's preferred mode may be 4K: a Pi cannot decode into it).
    drm_mode: str | None = None
    board: Board = Board.GENERIC
    #: A loop timeline repeats the phase's clips until it lasts this long: its end is the
    #: only seam that is not seamless (mpv reloads), so it should come rarely.
    loop_timeline_s: float = 2 * 3600
    #: How often the open proof-of-play row's seconds are saved (a power cut loses at most this).
    checkpoint_s: float = 3.0
    #: Position updates to the hub while a clip plays.
    position_interval_s: float = 1.0
    mpv_options: dict[str, str] = field(default_factory=dict)
    #: The remote page as a phone on the hotspot reaches it (the idle screen's QR code).
    remote_url: str = DEFAULT_REMOTE_URL
    #: The hotspot's WPA passphrase, for the Wi-Fi QR code (None: an open hotspot).
    hotspot_password: str | None = None

    @classmethod
    def from_env(cls, data_dir: DataDir | None = None) -> PlayerSettings:
        board = detect_board()
        on_desktop = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        if board.is_pi:
            vo_default, ctx, mode = "gpu", "drm", "1920x1080"
        else:
            vo_default, ctx, mode = ("gpu" if on_desktop else "null"), None, None
        vo = os.environ.get("NEOPRO_PLAYER_VO") or vo_default
        return cls(
            data_dir=data_dir or DataDir.from_env(),
            hub_url=os.environ.get("NEOPRO_HUB_URL") or DEFAULT_HUB_URL,
            vo=vo,
            ao=os.environ.get("NEOPRO_PLAYER_AO") or ("null" if vo == "null" else "auto"),
            hwdec=os.environ.get("NEOPRO_PLAYER_HWDEC") or "per-codec",
            fullscreen=_flag("NEOPRO_PLAYER_FULLSCREEN", board.is_pi),
            gpu_context=os.environ.get("NEOPRO_PLAYER_GPU_CONTEXT") or ctx,
            drm_mode=os.environ.get("NEOPRO_PLAYER_DRM_MODE") or mode,
            board=board,
            mpv_options=_mpv_options(os.environ.get("NEOPRO_PLAYER_MPV_OPTIONS", "")),
            checkpoint_s=float(os.environ.get("NEOPRO_PLAYER_CHECKPOINT_S") or 3.0),
            loop_timeline_s=float(os.environ.get("NEOPRO_PLAYER_LOOP_TIMELINE_S") or 2 * 3600),
            remote_url=os.environ.get("NEOPRO_REMOTE_URL") or DEFAULT_REMOTE_URL,
            hotspot_password=os.environ.get("NEOPRO_HOTSPOT_PASSWORD") or None,
        )

    @property
    def headless(self) -> bool:
        return self.vo == "null"
