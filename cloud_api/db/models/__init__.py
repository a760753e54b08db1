"""Every table, one module per domain; importing this package registers them all on Base."""

from .accounts import AuditEntry, Club, LoginAttempt, RefreshToken, User
from .analytics import (
    Alert,
    ChainState,
    DeviceBoot,
    PlaybackErrorRow,
    PlayEvent,
    PlayRollup,
    ReportRecord,
    SponsorViewer,
)
from .commands import Command
from .configs import SiteConfigVersion
from .media import Media, MediaAssignment
from .sites import Device, EnrollmentCode, HeartbeatRow, Site, SiteStatus
from .sponsors import Sponsor, SponsorContract, SponsorVideo

__all__ = [
    "Alert",
    "AuditEntry",
    "ChainState",
    "Club",
    "Command",
    "Device",
    "DeviceBoot",
    "EnrollmentCode",
    "HeartbeatRow",
    "LoginAttempt",
    "Media",
    "MediaAssignment",
    "PlayEvent",
    "PlayRollup",
    "PlaybackErrorRow",
    "RefreshToken",
    "ReportRecord",
    "Site",
    "SiteConfigVersion",
    "SiteStatus",
    "Sponsor",
    "SponsorContract",
    "SponsorVideo",
    "SponsorViewer",
    "User",
]
