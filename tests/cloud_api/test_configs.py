"""Versioned site configuration: validation, draft/publish, history, diff, rollback, locks, applied."""

from __future__ import annotations

from cloud_testkit import config_doc, upload, video_entry


def base(cloud, club):
    return f"/api/v1/sites/{club.site_id}/config"


async def publish(cloud, club, doc, headers=None, note=""):
    headers = headers or club.admin
    r = await cloud.http.put(f"{base(cloud, club)}/draft", json=doc, headers=headers)
    assert r.status_code == 200, r.text
    r = await cloud.http.post(f"{base(cloud, club)}/publish", json={"note": note}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_an_invalid_document_is_422_naming_the_field(cloud, world):
    doc = config_doc(world.a.site_id, loops={"neutral": [{"video": "missing"}]})
    r = await cloud.http.put(f"{base(cloud, world.a)}/draft", json=doc, headers=world.a.admin)
    assert (
        r.status_code == 422 and r.json()["field"] == "$.loops.neutral[0]" and "missing" in r.json()["detail"]
    )
    doc = config_doc(world.a.site_id)
    doc["overlay"] = {"score": {"position": "middle"}}
    r = await cloud.http.put(f"{base(cloud, world.a)}/draft", json=doc, headers=world.a.admin)
    assert r.status_code == 422 and r.json()["field"] == "$.overlay.score.position"


async def test_publishing_needs_the_media_in_the_library(cloud, world):
    fake = {"id": "ghost", "title": "Ghost", "sha256": "0" * 64, "duration_s": 5}
    assert (
        await cloud.http.put(
            f"{base(cloud, world.a)}/draft", json=config_doc(world.a.site_id, [fake]), headers=world.a.admin
        )
    ).status_code == 200
    r = await cloud.http.post(f"{base(cloud, world.a)}/publish", json={}, headers=world.a.admin)
    assert r.status_code == 422 and r.json()["field"] == "$.videos[0].sha256"


async def test_history_diff_and_rollback(cloud, world, clip):
    media = (await upload(cloud.http, world.a.admin, clip)).json()["media"]
    v1 = await publish(cloud, world.a, config_doc(world.a.site_id), note="empty")
    doc2 = config_doc(
        world.a.site_id,
        [video_entry(media, "goal")],
        categories=[{"id": "goals", "label": "Goals", "videos": ["goal"]}],
    )
    v2 = await publish(cloud, world.a, doc2, note="goal clip")
    assert (v1["version"], v2["version"]) == (1, 2) and v2["document"]["version"] == 2
    history = (await cloud.http.get(f"{base(cloud, world.a)}/versions", headers=world.a.operator)).json()
    assert [(h["version"], h["note"]) for h in history] == [(2, "goal clip"), (1, "empty")]
    diff = (
        await cloud.http.get(
            f"{base(cloud, world.a)}/diff", params={"from": 1, "to": 2}, headers=world.a.admin
        )
    ).json()
    changes = {(c["path"], c["change"]) for c in diff["changes"]}
    assert ("$.videos[id=goal]", "added") in changes and ("$.categories[id=goals]", "added") in changes
    r = await cloud.http.post(f"{base(cloud, world.a)}/versions/1/rollback", headers=world.a.admin)
    assert r.status_code == 201 and r.json()["version"] == 3 and r.json()["republished_from"] == 1
    assert r.json()["document"]["videos"] == []
    assert (await cloud.http.get(f"{base(cloud, world.a)}/versions/2", headers=world.a.admin)).json()[
        "document"
    ]["videos"][0]["id"] == "goal"
    # The draft now starts from the latest published version.
    draft = (await cloud.http.get(f"{base(cloud, world.a)}/draft", headers=world.a.admin)).json()
    assert draft["based_on"] == 3 and not draft["saved"]


async def test_published_and_applied_versions_are_both_visible(cloud, world):
    await publish(cloud, world.a, config_doc(world.a.site_id))
    state = (await cloud.http.get(f"{base(cloud, world.a)}/state", headers=world.a.admin)).json()
    assert state["published_version"] == 1 and state["applied_version"] is None
    beat = {"applied_config_version": 1, "applied_at": "2026-11-25T10:00:00Z"}
    assert (
        await cloud.http.post("/device/v1/heartbeat", json=beat, headers=world.a.device)
    ).status_code == 204
    state = (await cloud.http.get(f"{base(cloud, world.a)}/state", headers=world.a.admin)).json()
    assert state["applied_version"] == 1 and state["applied_at"].startswith("2026-11-25T10:00:00")


async def test_platform_locked_items_cannot_be_changed_by_a_club_admin(cloud, world, clip):
    media = (await upload(cloud.http, world.a.admin, clip)).json()["media"]
    locked = config_doc(
        world.a.site_id,
        [video_entry(media, "sponsor", owner="platform"), video_entry(media, "club-clip")],
        categories=[{"id": "platform-cat", "label": "Partners", "owner": "platform", "videos": ["sponsor"]}],
        loops={"neutral": [{"video": "sponsor", "owner": "platform"}, {"video": "club-clip"}]},
    )
    # A club admin cannot add platform-owned items ...
    r = await cloud.http.put(f"{base(cloud, world.a)}/draft", json=locked, headers=world.a.admin)
    assert r.status_code == 403 and r.json()["field"] == "$.videos[0].owner"
    # ... the platform can.
    await publish(cloud, world.a, locked, headers=world.platform)
    attempts = {
        "$.videos": {
            **locked,
            "videos": locked["videos"][1:],
            "categories": [],
            "loops": {"neutral": [{"video": "club-clip"}]},
        },
        "$.categories[0]": {**locked, "categories": [{**locked["categories"][0], "label": "Renamed"}]},
        "$.loops.neutral": {**locked, "loops": {"neutral": [{"video": "club-clip"}]}},
    }
    for field, doc in attempts.items():
        r = await cloud.http.put(f"{base(cloud, world.a)}/draft", json=doc, headers=world.a.admin)
        assert r.status_code == 403 and r.json()["field"] == field, (field, r.text)
    # The club's own items remain the club's to change.
    mine = {**locked, "videos": [locked["videos"][0], {**locked["videos"][1], "title": "Our goal"}],
            "loops": {"neutral": [{"video": "club-clip"}, {"video": "sponsor", "owner": "platform"}]}}  # fmt: skip
    v = await publish(cloud, world.a, mine)
    assert v["version"] == 2
