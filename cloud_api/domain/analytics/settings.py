"""Analytics settings, read from the environment once (kept apart from the core's Settings)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime


@dataclass(frozen=True)
class AnalyticsSettings:
    #: Nothing can have been played before this software existed: earlier times are flagged.
    epoch: datetime = datetime(2025, 1, 1, tzinfo=UTC)
    #: How far ahead of its arrival an event may be dated before it is flagged as "future".
    future_slack_s: int = 300
    alert_interval_s: float = 30.0
    offline_after_s: int = 600
    temperature_warning_c: float = 75.0
    temperature_critical_c: float = 80.0
    disk_warning_percent: float = 90.0
    disk_critical_percent: float = 95.0
    outbox_backlog_max: int = 500
    #: Growth of the backlog over half an hour that says uploads are failing.
    outbox_growth: int = 100
    player_errors_per_hour: int = 5
    #: A chain gap (records missing) older than this is alerted even while plays wait to upload.
    chain_gap_after_s: int = 30 * 60
    webhook_url: str | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> AnalyticsSettings:
        env = os.environ
        settings = cls(
            alert_interval_s=float(env.get("NEOPRO_ALERT_INTERVAL_S", cls.alert_interval_s)),
            offline_after_s=int(env.get("NEOPRO_ALERT_OFFLINE_AFTER_S", cls.offline_after_s)),
            outbox_backlog_max=int(env.get("NEOPRO_ALERT_OUTBOX_BACKLOG", cls.outbox_backlog_max)),
            player_errors_per_hour=int(env.get("NEOPRO_ALERT_PLAYER_ERRORS", cls.player_errors_per_hour)),
            chain_gap_after_s=int(env.get("NEOPRO_ALERT_CHAIN_GAP_AFTER_S", cls.chain_gap_after_s)),
            webhook_url=env.get("NEOPRO_ALERT_WEBHOOK_URL") or None,
        )
        return replace(settings, **overrides) if overrides else settings
