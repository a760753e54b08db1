"""Why a media download stopped, in three kinds the sync loop treats differently."""

from __future__ import annotations


class MediaError(Exception):
    """Base: ``reason`` says what happened, to which file, and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Transient(MediaError):
    """Network trouble or a busy cloud: try again later (resuming), after ``retry_after_s`` if given."""

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


class Refused(MediaError):
    """The cloud's answer cannot be right (wrong hash, absurd size, a path for a name): not taken."""


class NoSpace(MediaError):
    """Taking this file would fill the disk: refused, and an alert raised; nothing on air is deleted."""
