"""Every table, one module per domain; importing this package registers them all on Base."""

from .accounts import AuditEntry, Club, LoginAttempt, RefreshToken, User
from .commands import Command
from .configs import SiteConfigVersion
from .media import Media, MediaAssignment
from .sites import Device, EnrollmentCode, HeartbeatRow, Site, SiteStatus
from .sponsors import Sponsor, SponsorContract, SponsorVideo

__all__ = [
    "AuditEntry",
    "Club",
    "Command",
    "Device",
    "EnrollmentCode",
    "HeartbeatRow",
    "LoginAttempt",
    "Media",
    "MediaAssignment",
    "RefreshToken",
    "Site",
    "SiteConfigVersion",
    "SiteStatus",
    "Sponsor",
    "SponsorContract",
    "SponsorVideo",
    "User",
]
