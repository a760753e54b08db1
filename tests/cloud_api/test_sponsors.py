"""Sponsors (a club's or platform-wide), their videos and contracts."""

from __future__ import annotations

from cloud_testkit import upload


async def test_a_club_records_its_sponsor_videos_and_contracts(cloud, world, clip):
    media = (await upload(cloud.http, world.a.admin, clip)).json()["media"]
    sponsor = (
        await cloud.http.post("/api/v1/sponsors", json={"name": "Boulangerie Martin"}, headers=world.a.admin)
    ).json()
    assert sponsor["club_id"] == world.a.id
    r = await cloud.http.post(
        f"/api/v1/sponsors/{sponsor['id']}/videos", json={"media_id": media["id"]}, headers=world.a.admin
    )
    assert r.json()["media_ids"] == [media["id"]]
    contract = {"starts_on": "2026-09-01", "ends_on": "2027-06-30", "target_plays": 400, "target_seconds": 6000,
                "per": "season", "site_id": world.a.site_id}  # fmt: skip
    r = await cloud.http.post(
        f"/api/v1/sponsors/{sponsor['id']}/contracts", json=contract, headers=world.a.admin
    )
    assert r.status_code == 201 and r.json()["club_id"] == world.a.id
    bad = await cloud.http.post(
        f"/api/v1/sponsors/{sponsor['id']}/contracts",
        json={**contract, "ends_on": "2026-01-01"},
        headers=world.a.admin,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "ends_on"
    listed = (
        await cloud.http.get(f"/api/v1/sponsors/{sponsor['id']}/contracts", headers=world.a.operator)
    ).json()
    assert [c["target_plays"] for c in listed] == [400]


async def test_platform_wide_sponsors_are_seen_by_clubs_but_changed_by_the_platform(cloud, world):
    sponsor = (
        await cloud.http.post("/api/v1/sponsors", json={"name": "National Bank"}, headers=world.platform)
    ).json()
    assert sponsor["club_id"] is None
    assert sponsor["id"] in (await cloud.http.get("/api/v1/sponsors", headers=world.a.admin)).text
    r = await cloud.http.patch(
        f"/api/v1/sponsors/{sponsor['id']}", json={"name": "Mine now"}, headers=world.a.admin
    )
    assert r.status_code == 403
