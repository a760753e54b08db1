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
    # Uploaded out of order and in two batches (with a retry): the chain is still complete. Until
    # seq 1-3 arrive, the chain starts at the first seq seen (as for a re-enrolled device).
    await upload(http, world.a.device, bodies[3:])
    chain = (await _chains(http, world.a.admin))[world.a.device_id]
    assert (chain["first_seq"], chain["verified_seq"], chain["missing"]) == (4, 6, 0)
    await upload(http, world.a.device, bodies[:4])
    chain = (await _chains(http, world.a.admin))[world.a.device_id]
    assert chain | {"site_id": None} == {
        "device_id": world.a.device_id, "site_id": None, "verified_seq": 6, "max_seq": 6, "missing": 0,
        "broken_at_seq": None, "complete": True, "first_seq": 1,
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


async def _reenroll(http, club) -> tuple[dict[str, str], str]:
    """The same Pi enrolled again (``--force``): a new device id and credential for the site."""
    r = await http.post(f"/api/v1/sites/{club.site_id}/enrollment-codes", headers=club.admin)
    assert r.status_code in (200, 201), r.text
    r = await http.post("/device/v1/enroll", json={"code": r.json()["code"], "hardware": {"model": "Pi 4"}})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['credential']}"}, r.json()["device_id"]


async def test_a_re_enrolled_device_continues_its_chain_under_the_new_id(http, world, tmp_path):
    bodies = _stamped(tmp_path, "pi", [play(world.a.sponsor_id, n=i) for i in range(8)])
    await upload(http, world.a.device, bodies[:5])
    device, device_id = await _reenroll(http, world.a)
    # Same state.db: the new id's first event is seq 6, linked to seq 5's hash.
    await upload(http, device, bodies[5:])
    chains = await _chains(http, world.a.admin)
    assert (chains[world.a.device_id]["verified_seq"], chains[world.a.device_id]["complete"]) == (5, True)
    new = chains[device_id]
    assert (new["first_seq"], new["verified_seq"], new["missing"], new["complete"]) == (6, 8, 0, True)
    # A record lost after the restart is still a gap, and a forged one still a break.
    later = _stamped(tmp_path, "pi", [play(world.a.sponsor_id, n=20 + i) for i in range(2)])[8:]
    await upload(http, device, [later[1]])
    assert (await _chains(http, world.a.admin))[device_id]["missing"] == 1
    forged = msgspec.structs.replace(play(world.a.sponsor_id, n=30), seq=11, prev_hash="d" * 64)
    await upload(http, device, [later[0], forged])
    new = (await _chains(http, world.a.admin))[device_id]
    assert (new["verified_seq"], new["missing"], new["broken_at_seq"]) == (11, 0, 11)


async def test_a_chain_gap_is_alerted_once_old_even_while_plays_wait_to_upload(
    http, world, settings, tmp_path
):
    bodies = _stamped(tmp_path, "gap", [play(world.a.sponsor_id, n=i) for i in range(3)])
    await upload(http, world.a.device, [bodies[0], bodies[2]])  # seq 2 lost
    # The TV plays: the clip on screen is an open outbox row, so the backlog never reaches 0.
    await _heartbeat(http, world.a.device, outbox_backlog=1)
    s = AnalyticsSettings(chain_gap_after_s=600)
    engine = make_engine(settings)
    try:
        raised, _ = await evaluate(engine, s, datetime.now(UTC))
        assert "chain_gap" not in {a.kind for a in raised if a.site_id == world.a.site_id}
        raised, _ = await evaluate(engine, s, datetime.now(UTC) + timedelta(minutes=11))
        [gap] = [a for a in raised if a.site_id == world.a.site_id and a.kind == "chain_gap"]
        assert gap.detail["missing"] == 1 and "1 records missing" in gap.message
        # The lost record arrives after all: the gap closes and the alert resolves itself.
        await upload(http, world.a.device, [bodies[1]])
        _, resolved = await evaluate(engine, s, datetime.now(UTC) + timedelta(minutes=12))
        assert "chain_gap" in {a.kind for a in resolved if a.site_id == world.a.site_id}
    finally:
        await engine.dispose()
