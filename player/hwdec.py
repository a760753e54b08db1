"""Hardware decode chosen per codec, because mpv's own choice is wrong on a Pi.

mpv's ``hwdec=auto-safe`` never picks ``v4l2m2m-copy``, so on a Pi 4 H.264 silently fell
back to software decode (a busy CPU and dropped frames at 1080p). The Pi 4's H.264 block
is reached through V4L2 M2M, its HEVC block through DRM PRIME (``drm-copy``). A Pi 5 has
no H.264 block mpv can use (its software decode copes with 1080p), only HEVC. Everywhere
else software decode is the predictable choice for 1080p clips of one profile.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

_MODEL = Path("/proc/device-tree/model")


class Board(StrEnum):
    PI4 = "pi4"
    PI5 = "pi5"
    PI_OTHER = "pi"
    GENERIC = "generic"

    @property
    def is_pi(self) -> bool:
        return self is not Board.GENERIC


def detect_board(model_file: Path = _MODEL) -> Board:
    try:
        model = model_file.read_bytes().decode(errors="replace").strip("\0 \n")
    except OSError:
        return Board.GENERIC
    if "Raspberry Pi 4" in model or "Raspberry Pi Compute Module 4" in model:
        return Board.PI4
    if "Raspberry Pi 5" in model:
        return Board.PI5
    return Board.PI_OTHER if "Raspberry Pi" in model else Board.GENERIC


def hwdec_for(codec: str, board: Board, setting: str = "per-codec") -> str:
    """The ``hwdec`` value for a clip of ``codec`` (ffprobe's name) on ``board``.

    Any setting other than ``per-codec`` is used as is (an operator's override).
    """
    if setting != "per-codec":
        return setting
    if codec == "h264" and board is Board.PI4:
        return "v4l2m2m-copy"
    if codec == "hevc" and board in (Board.PI4, Board.PI5):
        return "drm-copy"
    return "no"
