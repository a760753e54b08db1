"""People's access: operator PIN and club-admin password, lockout, sessions.

- Secrets are argon2id hashes (argon2-cffi), hashed and checked in a thread: a check costs
  tens of milliseconds on a Pi and must never stall the remote.
- There is no default secret: until both are set, the hub only serves the first-run setup,
  and that needs the one-time setup code the TV shows (:mod:`neopro.setup_code`): whoever
  claims the hub must be standing at the TV, not just on its Wi-Fi. A wrong code counts as
  a failed admin login.
- ``lockout_failures`` failures of a role inside ``lockout_window_s`` lock that role, for a
  delay that doubles with every further failure, capped at the window: never permanently.
  Attempts made while locked are refused unchecked and do not extend the lock, so a
  spectator hammering the login page cannot keep the operator out for the whole match.
- Sessions are random tokens; the database holds only their sha256.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import aiosqlite
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from neopro import setup_code
from neopro.datadir import DataDir

Role = Literal["operator", "admin"]
ROLES: tuple[Role, ...] = ("operator", "admin")

PIN_RE = re.compile(r"^[0-9]{4,8}$")
PASSWORD_MIN = 8
PASSWORD_MAX = 128

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def check_new_secret(role: Role, secret: str) -> str | None:
    """Why ``secret`` cannot be the new PIN/password of ``role`` (None when it can)."""
    if role == "operator":
        return None if PIN_RE.match(secret) else "The PIN must be 4 to 8 digits."
    if not PASSWORD_MIN <= len(secret) <= PASSWORD_MAX:
        return f"The password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters."
    return None


@dataclass(frozen=True)
class Session:
    role: Role
    csrf: str
    expires_at: float

    def can(self, role: Role) -> bool:
        """An admin may do what an operator does; an operator may not administer."""
        return self.role == "admin" or role == "operator"


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    token: str | None = None
    session: Session | None = None
    retry_after_s: float = 0.0


class Auth:
    def __init__(
        self,
        db: aiosqlite.Connection,
        *,
        session_s: dict[Role, float],
        failures: int,
        window_s: float,
        base_delay_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._session_s = session_s
        self._failures = failures
        self._window_s = window_s
        self._base_delay_s = base_delay_s
        self._clock = clock
        self._lock = asyncio.Lock()

    # -- secrets ------------------------------------------------------------------------
    async def configured(self) -> bool:
        async with self._db.execute("SELECT COUNT(*) FROM hub_credentials") as cur:
            (count,) = await cur.fetchone()  # type: ignore[misc]
        return count == len(ROLES)

    async def set_secret(self, role: Role, secret: str, *, keep: str | None = None) -> None:
        """Set a role's secret and end that role's sessions (a changed PIN locks out old phones).

        ``keep``: the session token of the person making the change, who stays logged in.
        """
        digest = await asyncio.to_thread(_hasher.hash, secret)
        await self._db.execute(
            "INSERT INTO hub_credentials(role, hash, changed_at) VALUES (?, ?, ?) "
            "ON CONFLICT(role) DO UPDATE SET hash = excluded.hash, changed_at = excluded.changed_at",
            (role, digest, self._clock()),
        )
        await self._db.execute(
            "DELETE FROM hub_sessions WHERE role = ? AND token_sha != ?", (role, _sha(keep) if keep else "")
        )

    async def check_setup_code(self, data_dir: DataDir, given: str) -> LoginResult:
        """Is ``given`` the setup code the TV shows? A wrong one is a failed admin login.

        Checked before anything else on the setup form, under the same lockout as the
        admin password, so the 10^6 codes cannot be tried from the hotspot.
        """
        async with self._lock:
            wait = await self.retry_after("admin")
            if wait > 0:
                return LoginResult(ok=False, retry_after_s=wait)
            if await asyncio.to_thread(setup_code.matches, data_dir, given):
                return LoginResult(ok=True)
            await self._record_failure("admin")
            return LoginResult(ok=False, retry_after_s=await self.retry_after("admin"))

    async def setup(self, pin: str, password: str) -> bool:
        """First run: set both secrets at once; False if someone already did."""
        async with self._lock:
            if await self.configured():
                return False
            for role, secret in (("operator", pin), ("admin", password)):
                await self.set_secret(role, secret)  # type: ignore[arg-type]
            await self._db.execute("DELETE FROM hub_login_failures WHERE role = 'admin'")
            return True

    async def verify(self, role: Role, secret: str) -> bool:
        async with self._db.execute("SELECT hash FROM hub_credentials WHERE role = ?", (role,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return False
        try:
            return await asyncio.to_thread(_hasher.verify, row[0], secret)
        except (VerificationError, InvalidHashError):
            return False

    # -- lockout ------------------------------------------------------------------------
    async def retry_after(self, role: Role) -> float:
        """Seconds until ``role`` may try again (0: now)."""
        now = self._clock()
        async with self._db.execute(
            "SELECT COUNT(*), MAX(at) FROM hub_login_failures WHERE role = ? AND at > ?",
            (role, now - self._window_s),
        ) as cur:
            count, last = await cur.fetchone()  # type: ignore[misc]
        if count < self._failures:
            return 0.0
        delay = min(self._window_s, self._base_delay_s * 2 ** (count - self._failures))
        return max(0.0, last + delay - now)

    async def login(self, role: Role, secret: str) -> LoginResult:
        async with self._lock:  # one check at a time: no racing past the failure count
            wait = await self.retry_after(role)
            if wait > 0:
                return LoginResult(ok=False, retry_after_s=wait)
            if not await self.verify(role, secret):
                await self._record_failure(role)
                return LoginResult(ok=False, retry_after_s=await self.retry_after(role))
            await self._db.execute("DELETE FROM hub_login_failures WHERE role = ?", (role,))
            token, session = await self._new_session(role)
            return LoginResult(ok=True, token=token, session=session)

    async def _record_failure(self, role: Role) -> None:
        now = self._clock()
        await self._db.execute("INSERT INTO hub_login_failures(role, at) VALUES (?, ?)", (role, now))
        await self._db.execute("DELETE FROM hub_login_failures WHERE at <= ?", (now - self._window_s,))

    # -- sessions -----------------------------------------------------------------------
    async def _new_session(self, role: Role) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        session = Session(role=role, csrf=secrets.token_urlsafe(24), expires_at=now + self._session_s[role])
        await self._db.execute("DELETE FROM hub_sessions WHERE expires_at <= ?", (now,))
        await self._db.execute(
            "INSERT INTO hub_sessions(token_sha, role, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (_sha(token), role, session.csrf, now, session.expires_at),
        )
        return token, session

    async def session(self, token: str | None) -> Session | None:
        if not token or len(token) > 128:
            return None
        async with self._db.execute(
            "SELECT role, csrf, expires_at FROM hub_sessions WHERE token_sha = ?", (_sha(token),)
        ) as cur:
            row = await cur.fetchone()
        if row is None or row[2] <= self._clock():
            return None
        return Session(role=row[0], csrf=row[1], expires_at=row[2])

    async def logout(self, token: str | None) -> None:
        if token:
            await self._db.execute("DELETE FROM hub_sessions WHERE token_sha = ?", (_sha(token),))


def set_credentials(state_db_path: Path, *, pin: str, password: str) -> None:
    """Set both secrets without a running hub (the demo, an installer); refuses weak ones.

    Whoever can write ``state.db`` is trusted: no setup code is asked, and the code file
    next to it (the data dir's ``setup-code``) is removed, since the hub is now claimed.
    Blocking: call it before the hub starts or from a thread.
    """
    from neopro import state_db

    from .db import COMPONENT, MIGRATIONS

    for role, secret in (("operator", pin), ("admin", password)):
        if (why := check_new_secret(role, secret)) is not None:  # type: ignore[arg-type]
            raise ValueError(why)
    conn = state_db.connect(state_db_path)
    try:
        state_db.migrate(conn, COMPONENT, MIGRATIONS)
        now = time.time()
        for role, secret in (("operator", pin), ("admin", password)):
            conn.execute(
                "INSERT INTO hub_credentials(role, hash, changed_at) VALUES (?, ?, ?) "
                "ON CONFLICT(role) DO UPDATE SET hash = excluded.hash, changed_at = excluded.changed_at",
                (role, _hasher.hash(secret), now),
            )
            conn.execute("DELETE FROM hub_sessions WHERE role = ?", (role,))
    finally:
        conn.close()
    setup_code.remove(DataDir(state_db_path.parent))


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return secrets.compare_digest(a.encode(), b.encode())
