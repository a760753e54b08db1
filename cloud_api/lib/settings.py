"""Settings: one dataclass, read from the environment once by :meth:`Settings.from_env`."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

from neopro.datadir import atomic_write

DEFAULT_DATA_DIR = "/var/lib/neopro-cloud"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


#: HS256 keys shorter than the hash (32 bytes) are guessable offline from one token (RFC 7518 3.2).
MIN_JWT_SECRET_BYTES = 32


class SettingsError(ValueError):
    """A setting the cloud cannot start with; the message says which and what to do."""


def _secret(data_dir: Path) -> str:
    """A JWT key that survives restarts on one machine; several instances must share NEOPRO_JWT_SECRET.

    Written with :func:`neopro.datadir.atomic_write` (mode 0600): a crash at first start leaves
    no file or a whole one, never the empty key file that later let anyone sign tokens.
    """
    path = data_dir / "jwt.secret"
    if not path.exists():
        atomic_write(path, secrets.token_urlsafe(48).encode(), mode=0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    jwt_secret: str
    jwt_issuer: str = "neopro-cloud"
    jwt_audience: str = "neopro-api"
    access_ttl_s: int = 15 * 60
    refresh_ttl_s: int = 30 * 24 * 3600
    #: Failed logins allowed per e-mail and per client address in the window, then 429.
    login_max_failures: int = 10
    login_window_s: int = 15 * 60
    enrollment_ttl_s: int = 15 * 60
    max_upload_bytes: int = 500 * 1024 * 1024
    #: "local" (a directory under data_dir) or "s3" (any S3-compatible store).
    storage: str = "local"
    media_dir: Path | None = None
    s3_bucket: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    heartbeat_interval_s: int = 30
    #: Seconds without a heartbeat after which a site is stale, then offline.
    stale_after_s: int = 90
    offline_after_s: int = 600
    #: Kept for Prometheus labels and logs: which instance answered.
    instance: str = field(default_factory=lambda: os.environ.get("HOSTNAME", "cloud"))
    log_json: bool = True
    #: Every so often, commands of connected sites still un-acknowledged after this long are
    #: pushed again (a lost bus notification or a failed socket write).
    command_resend_s: float = 60.0
    #: Raw heartbeats older than this are deleted (site_status keeps the latest of each site).
    heartbeat_retention_days: int = 30
    #: How often the retention job runs (heartbeats, and login attempts past the login window).
    retention_interval_s: float = 3600.0
    db_pool_size: int = 16

    def __post_init__(self) -> None:
        size = len(self.jwt_secret.encode())
        if size < MIN_JWT_SECRET_BYTES:
            raise SettingsError(
                f"NEOPRO_JWT_SECRET (or {self.data_dir / 'jwt.secret'}): the JWT key is {size} bytes, "
                f"it must be at least {MIN_JWT_SECRET_BYTES}; set one from `python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'` (the same on every instance), or delete an empty "
                "jwt.secret file to have a new key generated"
            )

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        data_dir = Path(env.get("NEOPRO_CLOUD_DATA_DIR", DEFAULT_DATA_DIR))
        url = env.get("NEOPRO_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'cloud.db'}"
        settings = cls(
            data_dir=data_dir,
            database_url=url,
            jwt_secret=env.get("NEOPRO_JWT_SECRET") or _secret(data_dir),
            jwt_issuer=env.get("NEOPRO_JWT_ISSUER", cls.jwt_issuer),
            jwt_audience=env.get("NEOPRO_JWT_AUDIENCE", cls.jwt_audience),
            access_ttl_s=_int("NEOPRO_ACCESS_TTL_S", cls.access_ttl_s),
            refresh_ttl_s=_int("NEOPRO_REFRESH_TTL_S", cls.refresh_ttl_s),
            login_max_failures=_int("NEOPRO_LOGIN_MAX_FAILURES", cls.login_max_failures),
            login_window_s=_int("NEOPRO_LOGIN_WINDOW_S", cls.login_window_s),
            enrollment_ttl_s=_int("NEOPRO_ENROLLMENT_TTL_S", cls.enrollment_ttl_s),
            max_upload_bytes=_int("NEOPRO_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            storage=env.get("NEOPRO_STORAGE", cls.storage),
            media_dir=Path(env["NEOPRO_MEDIA_DIR"]) if env.get("NEOPRO_MEDIA_DIR") else None,
            s3_bucket=env.get("NEOPRO_S3_BUCKET", ""),
            s3_endpoint_url=env.get("NEOPRO_S3_ENDPOINT_URL") or None,
            s3_region=env.get("NEOPRO_S3_REGION", cls.s3_region),
            s3_access_key=env.get("NEOPRO_S3_ACCESS_KEY") or None,
            s3_secret_key=env.get("NEOPRO_S3_SECRET_KEY") or None,
            heartbeat_interval_s=_int("NEOPRO_HEARTBEAT_INTERVAL_S", cls.heartbeat_interval_s),
            stale_after_s=_int("NEOPRO_STALE_AFTER_S", cls.stale_after_s),
            offline_after_s=_int("NEOPRO_OFFLINE_AFTER_S", cls.offline_after_s),
            log_json=env.get("NEOPRO_LOG_JSON", "1") != "0",
            db_pool_size=_int("NEOPRO_DB_POOL_SIZE", cls.db_pool_size),
            command_resend_s=float(env.get("NEOPRO_COMMAND_RESEND_S", cls.command_resend_s)),
            heartbeat_retention_days=_int("NEOPRO_HEARTBEAT_RETENTION_DAYS", cls.heartbeat_retention_days),
            retention_interval_s=float(env.get("NEOPRO_RETENTION_INTERVAL_S", cls.retention_interval_s)),
        )
        return replace(settings, **overrides) if overrides else settings

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def media_root(self) -> Path:
        return self.media_dir or self.data_dir / "media"
