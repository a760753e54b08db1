"""Enrollment: one-time codes, device credentials, revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cloud_testkit import bearer, enroll, new_site
from sqlalchemy import update

from cloud_api.db.engine import make_engine
from cloud_api.db.models import EnrollmentCode


async def test_a_code_enrolls_once_and_is_easy_to_type(cloud, world):
    site_id, code = await new_site(cloud.http, world.a.admin, "Annex")
    assert len(code) == 9 and code[4] == "-" and code.replace("-", "").isalnum() and code.isupper()
    # Lower case, no dash: still the same code (typed on a phone).
    enrolled = await enroll(cloud.http, code.replace("-", "").lower())
    assert enrolled["site_id"] == site_id and enrolled["club_id"] == world.a.id
    assert enrolled["credential"].startswith(enrolled["device_id"] + ".")
    r = await cloud.http.post("/device/v1/enroll", json={"code": code})
    assert r.status_code == 401 and "already used" in r.json()["detail"]
    assert (
        await cloud.http.post("/device/v1/heartbeat", json={}, headers=bearer(enrolled["credential"]))
    ).status_code == 204


async def test_an_expired_code_is_refused(cloud, world):
    _, code = await new_site(cloud.http, world.a.admin, "Old code")
    engine = make_engine(cloud.settings)
    async with engine.begin() as conn:
        await conn.execute(
            update(EnrollmentCode)
            .where(EnrollmentCode.used_at.is_(None))
            .where(EnrollmentCode.created_at > datetime.now(UTC) - timedelta(seconds=30))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    await engine.dispose()
    r = await cloud.http.post("/device/v1/enroll", json={"code": code})
    assert r.status_code == 401 and "expired" in r.json()["detail"]


async def test_the_credential_is_stored_as_a_hash_only(cloud, world):
    from sqlalchemy import select

    from cloud_api.db.models import Device

    engine = make_engine(cloud.settings)
    async with engine.connect() as conn:
        stored = (
            await conn.execute(select(Device.secret_hash).where(Device.id == world.a.device_id))
        ).scalar_one()
    await engine.dispose()
    secret = world.a.device["Authorization"].split(".", 1)[1]
    assert secret not in stored and len(stored) == 64


async def test_a_revoked_device_is_refused_at_its_next_call(cloud, world):
    assert (await cloud.http.post("/device/v1/heartbeat", json={}, headers=world.a.device)).status_code == 204
    r = await cloud.http.post(
        f"/api/v1/sites/{world.a.site_id}/devices/{world.a.device_id}/revoke", headers=world.a.admin
    )
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert (await cloud.http.post("/device/v1/heartbeat", json={}, headers=world.a.device)).status_code == 401
    assert (await cloud.http.get("/device/v1/manifest", headers=world.a.device)).status_code == 401
    # A wrong secret for a real device id is refused too.
    device_id = world.b.device_id
    assert (
        await cloud.http.get("/device/v1/manifest", headers=bearer(f"{device_id}.wrong"))
    ).status_code == 401


async def test_reenrolling_a_site_revokes_its_previous_device(cloud, world):
    code = (
        await cloud.http.post(f"/api/v1/sites/{world.a.site_id}/enrollment-codes", headers=world.a.admin)
    ).json()["code"]
    new = await enroll(cloud.http, code)
    assert (await cloud.http.post("/device/v1/heartbeat", json={}, headers=world.a.device)).status_code == 401
    assert (
        await cloud.http.post("/device/v1/heartbeat", json={}, headers=bearer(new["credential"]))
    ).status_code == 204
    devices = (await cloud.http.get(f"/api/v1/sites/{world.a.site_id}/devices", headers=world.a.admin)).json()
    assert [d["revoked_at"] is None for d in devices] == [False, True]


async def test_heartbeat_sets_the_site_online_with_what_it_reported(cloud, world):
    status = (await cloud.http.get(f"/api/v1/sites/{world.a.site_id}/status", headers=world.a.admin)).json()
    assert status["state"] == "never_seen"
    beat = {"software_version": "1.2.3", "applied_config_version": 0, "cpu_percent": 12.5, "temperature_c": 51.0,
            "disk_percent": 40.0, "memory_percent": 33.0, "uptime_s": 3600, "outbox_backlog": 7, "on_air": "goal"}  # fmt: skip
    assert (
        await cloud.http.post("/device/v1/heartbeat", json=beat, headers=world.a.device)
    ).status_code == 204
    status = (await cloud.http.get(f"/api/v1/sites/{world.a.site_id}/status", headers=world.a.admin)).json()
    assert status["state"] == "online"
    assert {k: status[k] for k in beat} == beat
    bad = await cloud.http.post("/device/v1/heartbeat", json={"cpu_percent": 250}, headers=world.a.device)
    assert bad.status_code == 400 and "cpu_percent" in bad.text


def test_site_state_goes_stale_then_offline():
    from cloud_api.domain.sites.services import state_of
    from cloud_api.lib.settings import Settings

    s = Settings(
        data_dir=__import__("pathlib").Path("/tmp"), database_url="sqlite+aiosqlite://", jwt_secret="k" * 32
    )
    now = datetime.now(UTC)
    assert state_of(now - timedelta(seconds=30), s, now) == "online"
    assert state_of(now - timedelta(seconds=s.stale_after_s + 1), s, now) == "stale"
    assert state_of(now - timedelta(seconds=s.offline_after_s + 1), s, now) == "offline"
    assert state_of(None, s, now) == "never_seen"


async def test_concurrent_heartbeats_are_each_stored_once(cloud, world):
    import asyncio

    from sqlalchemy import func, select

    from cloud_api.db.models import HeartbeatRow

    answers = await asyncio.gather(
        *(
            cloud.http.post("/device/v1/heartbeat", json={"uptime_s": i}, headers=world.b.device)
            for i in range(40)
        )
    )
    assert {r.status_code for r in answers} == {204}
    engine = make_engine(cloud.settings)
    async with engine.connect() as conn:
        stored = await conn.scalar(
            select(func.count()).select_from(HeartbeatRow).where(HeartbeatRow.site_id == world.b.site_id)
        )
    await engine.dispose()
    assert stored == 40


async def test_a_deleted_sites_device_is_refused(cloud, world):
    assert (
        await cloud.http.delete(f"/api/v1/sites/{world.b.site_id}", headers=world.b.admin)
    ).status_code == 204
    assert (await cloud.http.post("/device/v1/heartbeat", json={}, headers=world.b.device)).status_code == 401
    assert (
        await cloud.http.get(f"/api/v1/sites/{world.b.site_id}", headers=world.b.admin)
    ).status_code == 404
