"""Match state — teams, score, phase, the match session — and where it is kept.

The hub is the one owner of the match state: phones change it, the player shows it (the
score bug, the phase loops, the proof-of-play rows' score and session). Every change is
committed to ``state.db`` before anyone is told, so a restart of any process loses nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import aiosqlite
import msgspec

from neopro.contracts import Phase, wire

MAX_SCORE = 999


def apply(state: wire.MatchState, cmd: wire.Message, now: datetime) -> wire.MatchState:
    """The match state after ``cmd`` (a pure function: the store persists what it returns)."""
    replace = msgspec.structs.replace
    match cmd:
        case wire.ScoreChange(team="home", delta=d):
            return replace(state, home_score=_clamp(state.home_score + d))
        case wire.ScoreChange(team="away", delta=d):
            return replace(state, away_score=_clamp(state.away_score + d))
        case wire.ScoreReset():
            return replace(state, home_score=0, away_score=0)
        case wire.SetTeams(home=home, away=away):
            return replace(state, home_name=home.strip() or "HOME", away_name=away.strip() or "AWAY")
        case wire.SetPhase(phase=phase):
            return replace(state, phase=phase)
        case wire.MatchStart():
            session = wire.MatchSession(
                id=uuid.uuid4().hex,
                started_at=now,
                opponent=cmd.opponent,
                competition=cmd.competition,
                audience_estimate=cmd.audience_estimate,
            )
            away = cmd.opponent.strip() or state.away_name
            return replace(state, session=session, home_score=0, away_score=0, away_name=away)
        case wire.MatchUpdate(audience_estimate=audience) if state.session is not None:
            return replace(state, session=replace(state.session, audience_estimate=audience))
        case wire.MatchEnd() if state.session is not None:
            return replace(state, session=None)
    return state


def _clamp(score: int) -> int:
    return max(0, min(MAX_SCORE, score))


class MatchStore:
    """Reads and writes the single match-state row and the match-session history."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def load(self) -> wire.MatchState:
        async with self._db.execute(
            "SELECT home_name, away_name, home_score, away_score, phase, session_id FROM hub_match"
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return wire.MatchState()
        session = await self._session(row[5]) if row[5] else None
        return wire.MatchState(
            home_name=row[0],
            away_name=row[1],
            home_score=row[2],
            away_score=row[3],
            phase=Phase(row[4]),
            session=session,
        )

    async def _session(self, session_id: str) -> wire.MatchSession | None:
        async with self._db.execute(
            "SELECT id, started_at, opponent, competition, audience_estimate, ended_at "
            "FROM hub_match_sessions WHERE id = ?",
            (session_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return wire.MatchSession(
            id=row[0],
            started_at=datetime.fromisoformat(row[1]),
            opponent=row[2],
            competition=row[3],
            audience_estimate=row[4],
            ended_at=datetime.fromisoformat(row[5]) if row[5] else None,
        )

    async def save(self, old: wire.MatchState, new: wire.MatchState, now: datetime) -> None:
        """Commit ``new`` in one transaction, closing or opening the match session as needed."""
        db = self._db
        await db.execute("BEGIN IMMEDIATE")
        try:
            if old.session is not None and (new.session is None or new.session.id != old.session.id):
                await db.execute(
                    "UPDATE hub_match_sessions SET ended_at = ?, home_score = ?, away_score = ?, "
                    "home_name = ?, away_name = ? WHERE id = ?",
                    (now.isoformat(), old.home_score, old.away_score, old.home_name, old.away_name,
                     old.session.id),
                )  # fmt: skip
            if new.session is not None:
                s = new.session
                await db.execute(
                    "INSERT INTO hub_match_sessions(id, started_at, opponent, competition, "
                    "audience_estimate, home_name, away_name, home_score, away_score) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET audience_estimate = excluded.audience_estimate, "
                    "home_name = excluded.home_name, away_name = excluded.away_name, "
                    "home_score = excluded.home_score, away_score = excluded.away_score",
                    (s.id, s.started_at.isoformat(), s.opponent, s.competition, s.audience_estimate,
                     new.home_name, new.away_name, new.home_score, new.away_score),
                )  # fmt: skip
            await db.execute(
                "INSERT INTO hub_match(id, home_name, away_name, home_score, away_score, phase, session_id) "
                "VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET home_name = excluded.home_name, "
                "away_name = excluded.away_name, home_score = excluded.home_score, "
                "away_score = excluded.away_score, phase = excluded.phase, session_id = excluded.session_id",
                (new.home_name, new.away_name, new.home_score, new.away_score, new.phase.value,
                 new.session.id if new.session else None),
            )  # fmt: skip
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise

    async def history(self, limit: int = 50) -> list[dict]:
        async with self._db.execute(
            "SELECT id, started_at, ended_at, opponent, competition, audience_estimate, home_name, "
            "away_name, home_score, away_score FROM hub_match_sessions ORDER BY started_at DESC LIMIT ?",
            (limit,),
        ) as cur:
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, row, strict=True)) for row in await cur.fetchall()]
