"""The heartbeat route served ahead of the framework answers as the framework would."""

from __future__ import annotations

from cloud_testkit import bearer


async def test_a_bad_heartbeat_names_its_field_and_a_bad_credential_gets_401(cloud, world):
    bad = await cloud.http.post("/device/v1/heartbeat", json={"temperature_c": 900}, headers=world.a.device)
    assert bad.status_code == 400
    assert bad.json()["extra"][0]["key"] == "temperature_c" and "150" in bad.json()["extra"][0]["message"]

    garbled = await cloud.http.post(
        "/device/v1/heartbeat",
        content=b"{not json",
        headers={**world.a.device, "Content-Type": "application/json"},
    )
    assert garbled.status_code == 400 and "not JSON" in garbled.text

    for headers in ({}, bearer("nobody.secret"), {"Authorization": "Basic abc"}, world.a.admin):
        refused = await cloud.http.post("/device/v1/heartbeat", json={}, headers=headers)
        assert refused.status_code == 401 and "device credential" in refused.json()["detail"]


async def test_an_oversized_heartbeat_is_refused_and_nothing_is_stored(cloud, world):
    huge = {"alerts": ["x" * 400] * 400}  # ~160 KB
    answer = await cloud.http.post("/device/v1/heartbeat", json=huge, headers=world.a.device)
    assert answer.status_code == 413 and "at most" in answer.json()["detail"]
    status = (await cloud.http.get(f"/api/v1/sites/{world.a.site_id}/status", headers=world.a.admin)).json()
    assert status["state"] == "never_seen"


async def test_other_methods_on_the_heartbeat_path_reach_the_framework(cloud, world):
    answer = await cloud.http.get("/device/v1/heartbeat", headers=world.a.device)
    assert answer.status_code == 405
    metrics = (await cloud.http.get("/metrics")).text
    assert "neopro_device_heartbeats_total" in metrics
