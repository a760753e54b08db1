"""Seeding for ``neopro bench analytics``: a season of plays written by PostgreSQL itself.

Millions of events go in with one ``generate_series`` statement (never through the API: the
ingest rate is measured separately), then the rollups are built from them with the same
grouping ingest uses. The shape is a real league's: 60 sites (3 per club), a home match every
week per site for a season, 20 sponsors with 3 videos each, five phases, loop and triggered.
"""

from __future__ import annotations

from datetime import date

SEASON_START = date(2025, 8, 2)
SEASON_END = date(2026, 5, 30)
SITES = 60
SPONSORS = 20
MATCH_DAYS = 43


def sponsor_id(n: int) -> str:
    return f"bench-sponsor-{n:02d}"


SEED_EVENTS = f"""
INSERT INTO play_events (event_id, club_id, site_id, device_id, media_id, sponsor_id, category_id, phase,
    trigger, started_at, ended_at, day, device_started_at, seconds_on_screen, completed, interrupted_by,
    score_home, score_away, match_session_id, boot_id, started_mono_ns, clock_synced, clock_source, time_flag,
    received_at, seq, prev_hash, hash)
SELECT md5('seed-' || g), 'bench-club-' || (s / 3), 'bench-site-' || s, 'bench-seed-dev-' || s,
    'bench-media-' || sp || '-' || (g %% 3), 'bench-sponsor-' || lpad(sp::text, 2, '0'), NULL,
    CASE WHEN minute < 60 THEN 'before' WHEN minute < 105 THEN 'during' WHEN minute < 120 THEN 'half_time'
         WHEN minute < 165 THEN 'during' ELSE 'after' END,
    CASE WHEN g %% 9 = 0 THEN 'remote' ELSE 'loop' END,
    ts, ts + interval '15 seconds', ts::date, ts, CASE WHEN g %% 10 = 0 THEN 6.5 ELSE 15.0 END, g %% 10 <> 0,
    NULL, NULL, NULL, 'm-' || s || '-' || match_no, 'bench-boot', g::bigint * 1000000, true, 'synced', NULL,
    ts, NULL, NULL, md5(g::text) || md5('h' || g)
FROM (
    SELECT g, s, sp, match_no, minute,
           (DATE '{SEASON_START.isoformat()}' + ((s %% 7) + 7 * match_no)::int)::timestamp AT TIME ZONE 'UTC'
               + interval '13 hours' + minute * interval '1 minute' + (g %% 60) * interval '1 second' AS ts
    FROM (
        SELECT g, g %% {SITES} AS s, (g / 7) %% {SPONSORS} AS sp, (g / {SITES}) %% {MATCH_DAYS} AS match_no,
               (g / {SITES} / {MATCH_DAYS}) %% 200 AS minute
        FROM generate_series(%(start)s::bigint, %(stop)s::bigint - 1) AS g
    ) k
) e
ON CONFLICT (event_id) DO NOTHING
"""

SEED_ROLLUPS = """
INSERT INTO play_rollups (sponsor_id, day, site_id, media_id, phase, trigger, match_session_id, club_id,
    plays, seconds, completed)
SELECT coalesce(sponsor_id, ''), day, site_id, media_id, phase, trigger, coalesce(match_session_id, ''),
       min(club_id), count(*), sum(seconds_on_screen), sum(CASE WHEN completed THEN 1 ELSE 0 END)
FROM play_events WHERE device_id LIKE 'bench-seed-dev-%'
GROUP BY 1, 2, 3, 4, 5, 6, 7
ON CONFLICT (sponsor_id, day, site_id, media_id, phase, trigger, match_session_id) DO UPDATE
SET plays = play_rollups.plays + excluded.plays, seconds = play_rollups.seconds + excluded.seconds,
    completed = play_rollups.completed + excluded.completed
"""


def seed(conninfo: str, events: int, chunk: int = 1_000_000, progress=print) -> None:  # type: ignore[no-untyped-def]
    """Write ``events`` seeded plays and their rollups (PostgreSQL; blocking)."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        for start in range(0, events, chunk):
            stop = min(events, start + chunk)
            conn.execute(SEED_EVENTS, {"start": start, "stop": stop})  # type: ignore[arg-type]
            progress(f"seeded {stop:,} / {events:,} events")
        conn.execute(SEED_ROLLUPS)
        conn.execute("ANALYZE play_events")
        conn.execute("ANALYZE play_rollups")
        for n in range(SPONSORS):
            conn.execute(
                "INSERT INTO sponsors (id, club_id, name, contact_email, created_at) "
                "VALUES (%s, NULL, %s, '', now()) ON CONFLICT DO NOTHING",
                (sponsor_id(n), f"Bench sponsor {n:02d}"),
            )
        conn.execute(
            "INSERT INTO sponsor_contracts (id, sponsor_id, club_id, site_id, starts_on, ends_on, "
            "target_plays, target_seconds, per, note, created_at) VALUES (md5('bench-contract'), %s, NULL, "
            "NULL, %s, %s, %s, NULL, 'season', '', now()) ON CONFLICT DO NOTHING",
            (sponsor_id(3), SEASON_START, SEASON_END, events // SPONSORS),
        )


def seeded(conninfo: str) -> int:
    """How many seeded events the database holds (a reused database is not seeded twice)."""
    import psycopg

    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT count(*) FROM play_events WHERE device_id LIKE 'bench-seed-dev-%'"
        ).fetchone()
        return int(row[0]) if row else 0
