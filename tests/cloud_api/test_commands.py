"""The command queue and the push websocket, as an agent sees them."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from cloud_testkit import config_doc
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from neopro.contracts.device_api import PushCommand, PushConfig, PushHello, PushRevoked, decode_push


def push_socket(cloud, headers):
    return connect(f"{cloud.ws_url}/device/v1/push", additional_headers=headers, open_timeout=5)


async def next_frame(ws, within: float = 5):
    return decode_push(await asyncio.wait_for(ws.recv(), within))


async def send(cloud, club, body, headers=None):
    r = await cloud.http.post(
        f"/api/v1/sites/{club.site_id}/commands", json=body, headers=headers or club.admin
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_an_offline_site_gets_its_queue_on_return_in_priority_order_and_expired_never(cloud, world):
    low = await send(cloud, world.a, {"type": "sync_now", "priority": 3})
    high = await send(cloud, world.a, {"type": "reboot", "priority": 9})
    mid = await send(cloud, world.a, {"type": "set_volume", "args": {"volume": 40}, "priority": 5})
    doomed = await send(cloud, world.a, {"type": "screenshot", "priority": 10, "expires_in_s": 1})
    await asyncio.sleep(1.2)
    async with push_socket(cloud, world.a.device) as ws:
        hello = await next_frame(ws)
        assert isinstance(hello, PushHello) and hello.site_id == world.a.site_id
        got = [await next_frame(ws) for _ in range(3)]
        assert all(isinstance(f, PushCommand) for f in got)
        assert [f.command.id for f in got] == [high["id"], mid["id"], low["id"]]
        assert got[1].command.args == {"volume": 40}
        with pytest.raises(asyncio.TimeoutError):
            await next_frame(ws, within=0.5)
    listed = {
        c["id"]: c
        for c in (
            await cloud.http.get(f"/api/v1/sites/{world.a.site_id}/commands", headers=world.a.admin)
        ).json()
    }
    assert listed[doomed["id"]]["status"] == "expired"
    assert listed[high["id"]]["status"] == "sent" and listed[high["id"]]["attempts"] == 1
    r = await cloud.http.post(f"/device/v1/commands/{doomed['id']}/ack", headers=world.a.device)
    assert r.status_code == 409  # an expired command is never run


async def test_a_connected_site_gets_a_new_command_within_a_second(cloud, world):
    async with push_socket(cloud, world.b.device) as ws:
        assert isinstance(await next_frame(ws), PushHello)
        started = time.monotonic()
        created = await send(
            cloud,
            world.b,
            {"type": "play_clip", "args": {"media_id": "goal"}, "priority": 8},
            world.b.operator,
        )
        frame = await next_frame(ws, within=1.0)
        assert time.monotonic() - started < 1.0
        assert isinstance(frame, PushCommand) and frame.command.id == created["id"]
        assert frame.command.type == "play_clip" and frame.command.status == "sent"
        # Ack, then the result: the admin sees it.
        r = await cloud.http.post(f"/device/v1/commands/{created['id']}/ack", headers=world.b.device)
        assert r.status_code == 200 and r.json()["status"] == "running"
        r = await cloud.http.post(
            f"/device/v1/commands/{created['id']}/result",
            json={"status": "succeeded", "result": {"played": True}},
            headers=world.b.device,
        )
        assert r.status_code == 200
    done = (
        await cloud.http.get(
            f"/api/v1/sites/{world.b.site_id}/commands/{created['id']}", headers=world.b.admin
        )
    ).json()
    assert done["status"] == "succeeded" and done["result"] == {"played": True} and done["finished_at"]


async def test_pull_resends_unacknowledged_commands_until_out_of_attempts(cloud, world):
    created = await send(
        cloud, world.a, {"type": "get_logs", "args": {"service": "player", "lines": 50}, "max_attempts": 2}
    )
    for attempt in (1, 2):
        pulled = (await cloud.http.get("/device/v1/commands", headers=world.a.device)).json()["commands"]
        assert [c["id"] for c in pulled] == [created["id"]] and pulled[0]["attempts"] == attempt
    assert (await cloud.http.get("/device/v1/commands", headers=world.a.device)).json()["commands"] == []
    failed = (
        await cloud.http.get(
            f"/api/v1/sites/{world.a.site_id}/commands/{created['id']}", headers=world.a.admin
        )
    ).json()
    assert failed["status"] == "failed" and "attempts" in failed["error"]


async def test_command_arguments_are_checked_naming_the_field(cloud, world):
    r = await cloud.http.post(
        f"/api/v1/sites/{world.a.site_id}/commands",
        json={"type": "set_volume", "args": {"volume": 400}},
        headers=world.a.admin,
    )
    assert r.status_code == 422 and r.json()["field"] == "$.args.volume"
    r = await cloud.http.post(
        f"/api/v1/sites/{world.a.site_id}/commands",
        json={"type": "reboot", "args": {"now": True}},
        headers=world.a.admin,
    )
    assert r.status_code == 422 and r.json()["field"] == "$.args.now"


async def test_a_cancelled_command_is_not_delivered(cloud, world):
    created = await send(cloud, world.a, {"type": "reboot"})
    r = await cloud.http.post(
        f"/api/v1/sites/{world.a.site_id}/commands/{created['id']}/cancel", headers=world.a.operator
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert (await cloud.http.get("/device/v1/commands", headers=world.a.device)).json()["commands"] == []


async def test_publishing_a_config_tells_the_connected_agent(cloud, world):
    async with push_socket(cloud, world.a.device) as ws:
        assert isinstance(await next_frame(ws), PushHello)
        await cloud.http.put(
            f"/api/v1/sites/{world.a.site_id}/config/draft",
            json=config_doc(world.a.site_id),
            headers=world.a.admin,
        )
        r = await cloud.http.post(
            f"/api/v1/sites/{world.a.site_id}/config/publish", json={}, headers=world.a.admin
        )
        assert r.status_code == 201
        frame = await next_frame(ws)
        assert isinstance(frame, PushConfig) and frame.version == 1


async def test_revoking_a_device_closes_its_socket_and_it_cannot_reconnect(cloud, world):
    async with push_socket(cloud, world.a.device) as ws:
        assert isinstance(await next_frame(ws), PushHello)
        await cloud.http.post(
            f"/api/v1/sites/{world.a.site_id}/devices/{world.a.device_id}/revoke", headers=world.a.admin
        )
        assert isinstance(await next_frame(ws), PushRevoked)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
    with pytest.raises(InvalidStatus):
        async with push_socket(cloud, world.a.device):
            pass


async def test_people_cannot_open_the_push_socket(cloud, world):
    for headers in (world.a.admin, world.platform, {}):
        with pytest.raises(InvalidStatus):
            async with push_socket(cloud, headers):
                pass


def test_push_frames_are_plain_tagged_json():
    frame = decode_push(json.dumps({"type": "config", "version": 4, "future_field": 1}))
    assert frame == PushConfig(version=4)


def test_push_bus_messages_are_typed_and_keep_the_wire_shape_of_the_previous_release():
    import msgspec

    from cloud_api.lib import bus_messages as m

    sent = [
        m.CommandQueued(site_id="s1", command_id="c1"),
        m.ConfigPublished(site_id="s1", version=7),
        m.DeviceRevoked(device_id="d1"),
    ]
    assert [msgspec.json.decode(m.encode(x)) for x in sent] == [
        {"kind": "command", "site_id": "s1", "command_id": "c1"},
        {"kind": "config", "site_id": "s1", "version": 7},
        {"kind": "revoke", "device_id": "d1"},
    ]
    assert [m.decode(m.encode(x)) for x in sent] == sent
    # What an instance of the previous release publishes is understood; an unknown kind is refused.
    assert m.decode('{"kind":"config","site_id":"s2","version":3}') == m.ConfigPublished(
        site_id="s2", version=3
    )
    with pytest.raises(msgspec.ValidationError):
        m.decode('{"kind":"reboot-everything","site_id":"s2"}')
