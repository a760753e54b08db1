"""Ingest through the device API: idempotent, per-event rejection, credentials, clocks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import msgspec
from analytics_kit import play, upload


async def _count(http, headers, **params) -> int:
    r = await http.get("/api/v1/analytics/", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["totals"]["plays"]


async def test_the_same_batch_twice_is_stored_once(http, world):
    events = [play(world.a.sponsor_id, n=i) for i in range(50)]
    first = await upload(http, world.a.device, events)
    assert first.status_code == 200, first.text
    assert first.json() | {"rejections": []} == {
        "accepted": 50,
        "duplicate": 0,
        "rejected": 0,
        "rejections": [],
    }
    again = await upload(http, world.a.device, events)
    assert (again.json()["accepted"], again.json()["duplicate"]) == (0, 50)
    assert await _count(http, world.a.admin) == 50


async def test_ten_thousand_events_with_three_malformed_store_the_rest_and_say_why(http, world):
    events: list = [play(world.a.sponsor_id, n=i) for i in range(10_000)]
    bad = msgspec.json.decode(msgspec.json.encode(events[10]))
    bad["phase"] = "overtime"
    events[10] = msgspec.json.encode(bad)
    events[5000] = b'{"event_id": "not-hex", "media_id": "x"}'
    events[9999] = msgspec.structs.replace(events[9999], site_id=world.b.site_id)
    r = await upload(http, world.a.device, events)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (9997, 0, 3)
    reasons = {x["index"]: x for x in body["rejections"]}
    assert set(reasons) == {10, 5000, 9999}
    assert reasons[10]["field"] == "$.phase" and "neutral" in reasons[10]["reason"]
    assert reasons[9999]["field"] == "site_id" and "another site" in reasons[9999]["reason"]
    assert await _count(http, world.a.admin) == 9997


async def test_events_need_a_device_credential_and_land_on_its_own_site(http, world):
    event = play(world.a.sponsor_id)
    for headers in ({}, {"Authorization": "Bearer nope.nope"}, world.a.admin):
        r = await upload(http, headers, [event])
        assert r.status_code == 401, (headers, r.text)
    r = await upload(http, world.b.device, [event])
    assert r.json()["accepted"] == 1
    # The event of B's device counts for B's site, whatever club the sponsor is from.
    figures = (await http.get("/api/v1/analytics/", headers=world.b.admin)).json()
    assert [s["key"] for s in figures["by_site"]] == [world.b.site_id]
    assert await _count(http, world.a.admin) == 0


async def test_an_unreadable_batch_is_refused_whole_with_the_reason(http, world):
    r = await http.post("/device/v1/events", content=b'{"events": 3}', headers=world.a.device)
    assert r.status_code == 400 and "events" in r.text


async def test_unsynced_events_are_dated_from_the_boot_and_implausible_ones_flagged(http, world, settings):
    from sqlalchemy import select

    from cloud_api.db.engine import make_engine
    from cloud_api.db.models import PlayEvent

    # A Pi that booted at 1970 and never synced: its wall clock says 1970 + uptime.
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    boot = uuid.uuid4().hex
    mono_start = 3_600 * 10**9  # one hour after boot
    unsynced = play(world.a.sponsor_id, start=epoch + timedelta(hours=1), boot_id=boot, synced=False)
    unsynced = msgspec.structs.replace(
        unsynced, started_mono_ns=mono_start, ended_mono_ns=mono_start + 15 * 10**9
    )
    sent_mono = mono_start + 120 * 10**9  # the batch leaves two minutes after the play began
    before = datetime.now(UTC)
    r = await upload(http, world.a.device, [unsynced], boot_id=boot, sent_mono_ns=sent_mono)
    after = datetime.now(UTC)
    assert r.json()["accepted"] == 1
    # A second boot with no way to date it, and a synced event from the future.
    lost = play(world.a.sponsor_id, start=epoch + timedelta(hours=2), boot_id=uuid.uuid4().hex, synced=False)
    future = play(world.a.sponsor_id, start=datetime.now(UTC) + timedelta(days=3))
    assert (await upload(http, world.a.device, [lost, future])).json()["accepted"] == 2

    engine = make_engine(settings)
    try:
        async with engine.connect() as conn:
            rows = {
                r.event_id: r
                for r in await conn.execute(
                    select(PlayEvent).where(
                        PlayEvent.event_id.in_([unsynced.event_id, lost.event_id, future.event_id])
                    )
                )
            }
    finally:
        await engine.dispose()
    fixed = rows[unsynced.event_id]
    assert fixed.clock_source == "boot_offset" and fixed.time_flag is None
    assert before - timedelta(seconds=121) <= fixed.started_at <= after - timedelta(seconds=119)
    assert fixed.ended_at - fixed.started_at == timedelta(seconds=15)
    assert fixed.device_started_at == epoch + timedelta(hours=1)
    assert (rows[lost.event_id].clock_source, rows[lost.event_id].time_flag) == (
        "uncorrected",
        "before_epoch",
    )
    assert rows[lost.event_id].day == rows[lost.event_id].received_at.date()
    assert rows[future.event_id].time_flag == "future"


async def test_a_synced_event_of_the_same_boot_dates_the_unsynced_ones_exactly(http, world, settings):
    boot = uuid.uuid4().hex
    synced = play(world.a.sponsor_id, start=datetime(2026, 11, 21, 15, 0, tzinfo=UTC), boot_id=boot, n=0)
    # 20 s later on the monotonic clock, before NTP: wall clock still says 1970.
    late = play(
        world.a.sponsor_id, start=datetime(1970, 1, 1, 0, 5, tzinfo=UTC), boot_id=boot, n=1, synced=False
    )
    r = await upload(http, world.a.device, [late, synced])
    assert r.json()["accepted"] == 2
    figures = (await http.get("/api/v1/analytics/", headers=world.a.admin)).json()
    assert [d["key"] for d in figures["by_day"]] == ["2026-11-21"]


async def test_the_raw_plays_behind_the_figures_can_be_listed_and_filtered(http, world):
    from datetime import UTC, datetime

    good = [play(world.a.sponsor_id, n=i) for i in range(3)]
    old = play(
        world.a.sponsor_id, start=datetime(1970, 1, 1, 1, tzinfo=UTC), boot_id=uuid.uuid4().hex, synced=False
    )
    await upload(http, world.a.device, [*good, old])
    r = await http.get("/api/v1/analytics/events", params={"flagged": True}, headers=world.a.admin)
    assert r.status_code == 200, r.text
    assert [e["event_id"] for e in r.json()] == [old.event_id] and r.json()[0]["time_flag"] == "before_epoch"
    listed = (await http.get("/api/v1/analytics/events", headers=world.a.admin)).json()
    assert {e["event_id"] for e in listed} == {e.event_id for e in [*good, old]}
    assert (await http.get("/api/v1/analytics/events", headers=world.b.admin)).json() == []


async def test_the_same_batch_sent_several_times_at_once_is_stored_and_counted_once(http, world):
    import asyncio

    events = [play(world.a.sponsor_id, n=i) for i in range(300)]
    others = [play(world.b.sponsor_id, n=i) for i in range(200)]
    answers = await asyncio.gather(
        *(upload(http, world.a.device, events) for _ in range(4)), upload(http, world.b.device, others)
    )
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    mine = [r.json() for r in answers[:4]]
    assert sum(x["accepted"] for x in mine) == 300 and sum(x["duplicate"] for x in mine) == 900
    assert answers[4].json()["accepted"] == 200
    assert await _count(http, world.a.admin) == 300 and await _count(http, world.b.admin) == 200


async def test_a_clip_during_which_the_wall_clock_stepped_back_is_stored_and_flagged(http, world):
    start = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    # NTP stepped the clock back 40 s during a 15 s clip: ended_at is before started_at.
    stepped = msgspec.structs.replace(
        play(world.a.sponsor_id, start=start, n=3), ended_at=start - timedelta(seconds=25)
    )
    r = await upload(http, world.a.device, [stepped])
    assert (r.json()["accepted"], r.json()["rejected"]) == (1, 0), r.text
    assert await _count(http, world.a.admin) == 1
    r = await http.get("/api/v1/analytics/events", params={"flagged": True}, headers=world.a.admin)
    [row] = r.json()
    assert row["event_id"] == stepped.event_id and row["time_flag"] == "wall_stepped"
    # The monotonic times are the truth: the stored end is start + 15 s, on the start's day.
    assert datetime.fromisoformat(row["started_at"]) == start
    assert datetime.fromisoformat(row["ended_at"]) == start + timedelta(seconds=15)
