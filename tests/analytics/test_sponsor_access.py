"""A sponsor viewer sees its own sponsor's numbers only; clubs see only their own plays."""

from __future__ import annotations

from analytics_kit import login, make_user, play, upload

from cloud_api.domain.accounts.guards import Role


async def _viewer_of(http, world, sponsor_id: str) -> dict[str, str]:
    email, user_id = await make_user(world.settings, Role.SPONSOR_VIEWER, world.a.id)
    r = await http.post(
        "/api/v1/analytics/sponsor-viewers",
        json={"user_id": user_id, "sponsor_id": sponsor_id},
        headers=world.a.admin,
    )
    assert r.status_code == 200, r.text
    return await login(http, email)


async def test_a_sponsor_viewer_of_x_sees_nothing_of_y(http, world):
    r = await http.post("/api/v1/sponsors", json={"name": "Brasserie Y"}, headers=world.a.admin)
    y = r.json()["id"]
    x = world.a.sponsor_id
    events = [play(x, n=i) for i in range(7)] + [play(y, n=i, media_id="promo-y") for i in range(5)]
    assert (await upload(http, world.a.device, events)).json()["accepted"] == 12
    viewer = await _viewer_of(http, world, x)

    mine = (await http.get("/api/v1/analytics/", headers=viewer)).json()
    assert mine["sponsor_id"] == x and mine["totals"]["plays"] == 7
    assert [v["key"] for v in mine["by_video"]] == ["promo-1"]
    # Asking for Y, by any route, is answered as if Y did not exist.
    for path in (
        f"/api/v1/analytics/?sponsor_id={y}",
        f"/api/v1/analytics/sponsors/{y}/pacing",
        f"/api/v1/analytics/sponsors/{y}/report.pdf",
        f"/api/v1/analytics/export.csv?sponsor_id={y}",
    ):
        r = await http.get(path, headers=viewer)
        assert r.status_code == 404, (path, r.status_code, r.text)
    # Its own report and pacing are open to it.
    own = await http.get(f"/api/v1/analytics/sponsors/{x}/report.pdf", headers=viewer)
    assert own.status_code == 200 and own.content.startswith(b"%PDF") and own.headers["x-verification-code"]
    assert (await http.get(f"/api/v1/analytics/sponsors/{x}/pacing", headers=viewer)).status_code == 200
    csv_rows = (await http.get("/api/v1/analytics/export.csv", headers=viewer)).text.strip().splitlines()[1:]
    assert csv_rows and all(f",{x}," in row for row in csv_rows)
    # Nothing else of the admin API opens to a sponsor account.
    for path in ("/api/v1/sites", "/api/v1/sponsors", "/api/v1/alerts", "/api/v1/analytics/chains"):
        assert (await http.get(path, headers=viewer)).status_code == 403, path
    # The club admin sees both sponsors.
    club = (await http.get("/api/v1/analytics/", headers=world.a.admin)).json()
    assert club["totals"]["plays"] == 12


async def test_an_unbound_sponsor_account_sees_nothing(http, world):
    email, _ = await make_user(world.settings, Role.SPONSOR_VIEWER, world.a.id)
    viewer = await login(http, email)
    r = await http.get("/api/v1/analytics/", headers=viewer)
    assert r.status_code == 403 and "bound to no sponsor" in r.text


async def test_clubs_see_only_their_own_plays(http, world):
    await upload(http, world.a.device, [play(world.a.sponsor_id, n=i) for i in range(3)])
    await upload(http, world.b.device, [play(world.b.sponsor_id, n=i) for i in range(4)])
    a, b = world.a, world.b
    assert (await http.get("/api/v1/analytics/", headers=a.admin)).json()["totals"]["plays"] == 3
    assert (await http.get("/api/v1/analytics/", headers=b.admin)).json()["totals"]["plays"] == 4
    for club, plays in ((a, 3), (b, 4)):
        r = await http.get("/api/v1/analytics/", params={"club_id": club.id}, headers=world.platform)
        assert r.json()["totals"]["plays"] == plays
    for path in (
        f"/api/v1/analytics/?club_id={a.id}",
        f"/api/v1/analytics/sponsors/{a.sponsor_id}/pacing",
        f"/api/v1/analytics/sponsors/{a.sponsor_id}/report.pdf",
        f"/api/v1/analytics/clubs/{a.id}/report.pdf",
    ):
        r = await http.get(path, headers=b.admin)
        assert r.status_code == 404, (path, r.status_code, r.text)
    # B cannot bind one of its sponsor accounts to A's sponsor either.
    _, user_id = await make_user(world.settings, Role.SPONSOR_VIEWER, b.id)
    r = await http.post(
        "/api/v1/analytics/sponsor-viewers",
        json={"user_id": user_id, "sponsor_id": a.sponsor_id},
        headers=b.admin,
    )
    assert r.status_code == 404
