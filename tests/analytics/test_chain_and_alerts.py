"""The hash chain end to end (device stamps, cloud verifies) and the alerts it and heartbeats raise."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import msgspec
from analytics_kit import play, upload

from cloud_api.db.engine import make_engine
from cloud_api.domain.analytics.alerts import evaluate
from cloud_api.domain.analytics.settings import AnalyticsSettings
from neopro import proof_chain
from neopro.state_db import open_outbox


def _stamped(tmp_path, name: str, events) -> list[bytes]:
    """Close each event in a real state.db outbox, as the player does; return the bodies to upload."""
    conn = open_outbox(tmp_path / f"{name}.db")
    proof_chain.migrate_chain(conn)
    for e in events:
        proof_chain.close_in_outbox(conn, e)
    bodies = [
        bytes(row[0]) for row in conn.execute("SELECT body FROM outbox WHERE closed = 1 ORDER BY rowid")
    ]
    conn.close()
    return bodies


async def _chains(http, headers) -> dict[str, dict]:
    r = await http.get("/api/v1/analytics/chains", headers=headers)
    assert r.status_code == 200, r.text
    return {c["device_id"]: c for c in r.json()}


async def test_a_complete_chain_then_a_gap_then_a_break_are_told_apart(http, world, tmp_path):
    sponsor = world.a.sponsor_id
    bodies = _stamped(tmp_path, "a", [play(sponsor, n=i) for i in range(6)])
    # Uploaded out of order and in two batches (with a retry): the chain is still complete.
    await upload(http, world.a.device, bodies[3:])
    assert (await _chains(http, world.a.admin))[world.a.device_id]["missing"] == 3
    await upload(http, world.a.device, bodies[:4])
    chain = (await _chains(http, world.a.admin))[world.a.device_id]
    assert chain | {"site_id": None} == {
        "device_id": world.a.device_id, "site_id": None, "verified_seq": 6, "max_seq": 6, "missing": 0,
        "broken_at_seq": None, "complete": True,
    }  # fmt: skip

    # B's device: seq 2 never arrives (a gap), then a forged seq 4 whose prev_hash is wrong (a break).
    b_bodies = _stamped(tmp_path, "b", [play(world.b.sponsor_id, n=i) for i in range(3)])
    await upload(http, world.b.device, [b_bodies[0], b_bodies[2]])
    chain = (await _chains(http, world.b.admin))[world.b.device_id]
    assert (chain["verified_seq"], chain["missing"], chain["complete"]) == (1, 1, False)
    forged = msgspec.structs.replace(play(world.b.sponsor_id, n=9), seq=4, prev_hash="f" * 64)
    await upload(http, world.b.device, [b_bodies[1], forged])
    chain = (await _chains(http, world.b.admin))[world.b.device_id]
    assert (chain["verified_seq"], chain["missing"], chain["broken_at_seq"]) == (4, 0, 4)
    # Neither club sees the other's chains.
    assert world.b.device_id not in await _chains(http, world.a.admin)


async def _heartbeat(http, device, **metrics) -> None:
    r = await http.post("/device/v1/heartbeat", json={"software_version": "1.0", **metrics}, headers=device)
    assert r.status_code == 204, r.text


async def _receiver() -> tuple[asyncio.Server, str, list[bytes]]:
    """A real HTTP endpoint on loopback that records what the webhook posts."""
    received: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        received.append(await reader.readexactly(length))
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook", received


async def test_alerts_are_raised_once_resolved_by_themselves_and_posted(http, world, settings, tmp_path):
    server, url, posted = await _receiver()
    s = AnalyticsSettings(webhook_url=url, offline_after_s=600, outbox_backlog_max=100)
    engine = make_engine(settings)
    try:
        # Start from a clean slate: whatever earlier tests left in this database is resolved or known.
        await evaluate(engine, s, datetime.now(UTC))
        posted.clear()
        await _heartbeat(http, world.a.device, temperature_c=83.0, disk_percent=91.0, outbox_backlog=250)
        now = datetime.now(UTC)
        raised, resolved = await evaluate(engine, s, now)
        mine = {(a.kind, a.severity) for a in raised if a.site_id == world.a.site_id}
        assert mine == {("temperature", "critical"), ("disk_full", "warning"), ("outbox_backlog", "warning")}
        again, _ = await evaluate(engine, s, now + timedelta(seconds=30))
        assert [a for a in again if a.site_id == world.a.site_id] == []  # raised once
        listed = (await http.get("/api/v1/alerts/", headers=world.a.admin)).json()
        assert {a["kind"] for a in listed} >= {"temperature", "disk_full", "outbox_backlog"}
        assert all(a["site_id"] == world.a.site_id for a in listed)
        assert not [a for a in (await http.get("/api/v1/alerts/", headers=world.b.admin)).json()
                    if a["site_id"] == world.a.site_id]  # fmt: skip

        await _heartbeat(http, world.a.device, temperature_c=55.0, disk_percent=40.0, outbox_backlog=0)
        _, resolved = await evaluate(engine, s, datetime.now(UTC))
        assert {a.kind for a in resolved if a.site_id == world.a.site_id} == {
            "temperature",
            "disk_full",
            "outbox_backlog",
        }
        history = (
            await http.get("/api/v1/alerts/", params={"open_only": False}, headers=world.a.admin)
        ).json()
        assert all(a["resolved_at"] for a in history if a["site_id"] == world.a.site_id)

        # Twenty minutes without a heartbeat: offline, once; the next heartbeat resolves it.
        raised, _ = await evaluate(engine, s, datetime.now(UTC) + timedelta(minutes=20))
        assert ("site_offline", world.a.site_id) in {(a.kind, a.site_id) for a in raised}
        await _heartbeat(http, world.a.device, temperature_c=50.0)
        _, resolved = await evaluate(engine, s, datetime.now(UTC))
        assert ("site_offline", world.a.site_id) in {(a.kind, a.site_id) for a in resolved}

        texts = [msgspec.json.decode(body)["text"] for body in posted]
        assert any("[raised] critical temperature" in t for t in texts)
        assert any("[resolved]" in t and "site_offline" in t for t in texts)
    finally:
        await engine.dispose()
        server.close()


async def test_a_broken_chain_raises_a_critical_alert(http, world, settings):
    forged = msgspec.structs.replace(play(world.a.sponsor_id), seq=1, prev_hash="e" * 64)
    await upload(http, world.a.device, [forged])
    engine = make_engine(settings)
    try:
        raised, _ = await evaluate(engine, AnalyticsSettings(), datetime.now(UTC))
    finally:
        await engine.dispose()
    assert ("chain_broken", "critical") in {
        (a.kind, a.severity) for a in raised if a.site_id == world.a.site_id
    }


async def test_playback_errors_are_stored_once_and_a_burst_raises_player_errors(http, world, settings):
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    errors = [
        {"event_id": f"{i:032x}", "media_id": "promo-1", "reason": "undecodable", "at": now.isoformat(),
         "boot_id": "b", "mono_ns": i}
        for i in range(5)
    ] + [{"event_id": "zz", "reason": "x"}]  # fmt: skip
    body = msgspec.json.encode({"events": [], "errors": errors})
    for _ in range(2):  # a retry stores nothing twice
        r = await http.post("/device/v1/events", content=body, headers=world.a.device)
        assert r.status_code == 200, r.text
    assert [(x["kind"], x["index"]) for x in r.json()["rejections"]] == [("playback_error", 5)]
    engine = make_engine(settings)
    try:
        raised, _ = await evaluate(engine, AnalyticsSettings(player_errors_per_hour=5), datetime.now(UTC))
        _, resolved = await evaluate(engine, AnalyticsSettings(player_errors_per_hour=6), datetime.now(UTC))
    finally:
        await engine.dispose()
    mine = [a for a in raised if a.site_id == world.a.site_id and a.kind == "player_errors"]
    assert len(mine) == 1 and mine[0].detail == {"errors_last_hour": 5}
    # Under a higher threshold the same errors no longer hold: resolved by itself.
    assert ("player_errors", world.a.site_id) in {(a.kind, a.site_id) for a in resolved}


async def test_a_growing_outbox_backlog_is_raised_before_it_is_large(http, world, settings):
    from cloud_api.db.models import HeartbeatRow

    engine = make_engine(settings)
    s = AnalyticsSettings(outbox_backlog_max=10_000, outbox_growth=100)
    try:
        # Half an hour ago the Pi had 20 plays waiting (a real row, as the heartbeat writer stores it).
        async with engine.begin() as conn:
            await conn.execute(
                HeartbeatRow.__table__.insert().values(
                    site_id=world.b.site_id, device_id=world.b.device_id, outbox_backlog=20,
                    received_at=datetime.now(UTC) - timedelta(minutes=30),
                )
            )  # fmt: skip
        await _heartbeat(http, world.b.device, outbox_backlog=150)
        raised, _ = await evaluate(engine, s, datetime.now(UTC))
        mine = [a for a in raised if a.site_id == world.b.site_id and a.kind == "outbox_backlog"]
        assert len(mine) == 1 and "up from 20" in mine[0].message
        await _heartbeat(http, world.b.device, outbox_backlog=60)  # draining again: resolved
        _, resolved = await evaluate(engine, s, datetime.now(UTC))
        assert ("outbox_backlog", world.b.site_id) in {(a.kind, a.site_id) for a in resolved}
    finally:
        await engine.dispose()
