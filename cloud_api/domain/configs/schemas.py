"""Request and response bodies of the configuration domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from msgspec import Meta, Struct


class ConfigVersionSummary(Struct, kw_only=True):
    version: int
    created_at: datetime
    created_by: str | None
    note: str
    republished_from: int | None


class ConfigVersionOut(ConfigVersionSummary, kw_only=True):
    site_id: str
    #: The site configuration document (``neopro.contracts.SiteConfig``).
    document: dict[str, Any]


class DraftOut(Struct, kw_only=True):
    site_id: str
    #: The published version this draft started from (0: none yet).
    based_on: int
    saved: bool
    document: dict[str, Any]


class PublishRequest(Struct, kw_only=True):
    note: Annotated[str, Meta(max_length=280)] = ""


class ConfigChange(Struct, kw_only=True):
    path: str
    change: Literal["added", "removed", "changed"]
    old: Any = None
    new: Any = None


class ConfigDiff(Struct, kw_only=True):
    from_version: int
    to_version: int
    changes: list[ConfigChange]


class ConfigState(Struct, kw_only=True):
    """What was published and what the Pi says it applied, side by side."""

    published_version: int
    applied_version: int | None
    applied_at: datetime | None
    draft_saved: bool
