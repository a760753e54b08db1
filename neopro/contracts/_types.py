"""Small constrained types shared by every contract."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from msgspec import Meta

from ._errors import PATTERN_WORDS

#: Identifiers of videos, categories, sponsors, sites: safe in a URL, a file name and a CSS class.
Id = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="1-64 letters, digits, '_', '.', '-'; starts with a letter or digit",
    ),
]
Sha256 = Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$", description="lower-case hex sha256")]
Color = Annotated[
    str, Meta(pattern=r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$", description="#RRGGBB or #RRGGBBAA")
]
for _t in (Id, Sha256, Color):
    _meta = _t.__metadata__[0]
    PATTERN_WORDS[_meta.pattern] = _meta.description

_SHA256 = re.compile(Sha256.__metadata__[0].pattern)


def is_sha256(value: str) -> bool:
    """The :data:`Sha256` rule for a bare string (a URL part, a command argument)."""
    return _SHA256.fullmatch(value) is not None


Label = Annotated[str, Meta(min_length=1, max_length=80)]
Text = Annotated[str, Meta(max_length=280)]


class Phase(StrEnum):
    """The match phase; each has its own sponsor loop."""

    NEUTRAL = "neutral"
    BEFORE = "before"
    DURING = "during"
    HALF_TIME = "half_time"
    AFTER = "after"


class Owner(StrEnum):
    """Who may change an item: the platform locks its items, the club owns the rest."""

    PLATFORM = "platform"
    CLUB = "club"


class Trigger(StrEnum):
    """Why a clip went on air."""

    LOOP = "loop"
    REMOTE = "remote"
    SCHEDULE = "schedule"
    CLOUD = "cloud"
