"""A sponsor viewer sees its own sponsor's numbers only; clubs see only their own plays."""

from __future__ import annotations

from analytics_kit import login, make_user, play, upload

from cloud_api.db.engine import make_engine, make_sessionmaker
from cloud_api.db.models import SponsorViewer
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


async def _bind(http, headers, user_id: str, sponsor_id: str):
    return await http.post(
        "/api/v1/analytics/sponsor-viewers",
        json={"user_id": user_id, "sponsor_id": sponsor_id},
        headers=headers,
    )


async def test_a_club_admin_cannot_open_other_clubs_plays_through_a_platform_sponsor(http, world):
    r = await http.post("/api/v1/sponsors", json={"name": "National Bank"}, headers=world.platform)
    assert r.status_code == 201 and r.json()["club_id"] is None, r.text
    national = r.json()["id"]
    await upload(http, world.a.device, [play(national, n=i) for i in range(3)])
    await upload(http, world.b.device, [play(national, n=i) for i in range(5)])

    # Club A's admin may not bind its sponsor account to the platform-wide sponsor...
    email, user_id = await make_user(world.settings, Role.SPONSOR_VIEWER, world.a.id)
    r = await _bind(http, world.a.admin, user_id, national)
    assert r.status_code == 403 and "platform admin" in r.text, r.text
    r = await http.get("/api/v1/analytics/", headers=await login(http, email))
    assert r.status_code == 403 and "bound to no sponsor" in r.text

    # ...and a binding that predates the rule (the migration scoped it to the viewer's club)
    # reads club A's plays only, by every route.
    engine = make_engine(world.settings)
    try:
        async with make_sessionmaker(engine)() as session:
            session.add(SponsorViewer(user_id=user_id, sponsor_id=national, club_id=world.a.id))
            await session.commit()
    finally:
        await engine.dispose()
    viewer = await login(http, email)
    assert (await http.get("/api/v1/analytics/", headers=viewer)).json()["totals"]["plays"] == 3
    r = await http.get("/api/v1/analytics/", params={"club_id": world.b.id}, headers=viewer)
    assert r.status_code == 404
    csv_rows = (await http.get("/api/v1/analytics/export.csv", headers=viewer)).text.strip().splitlines()[1:]
    assert len(csv_rows) == 1 and world.b.site_id not in csv_rows[0]
    events = (await http.get("/api/v1/analytics/events", headers=viewer)).json()
    assert len(events) == 3 and {e["site_id"] for e in events} == {world.a.site_id}

    # A platform admin's binding to the platform sponsor sees the sponsor at every club.
    assert (await _bind(http, world.platform, user_id, national)).status_code == 200
    assert (await http.get("/api/v1/analytics/", headers=viewer)).json()["totals"]["plays"] == 8
    # A club admin re-binding the account to the club's own sponsor scopes it to the club again.
    assert (await _bind(http, world.a.admin, user_id, world.a.sponsor_id)).status_code == 200
    await upload(http, world.a.device, [play(world.a.sponsor_id, n=i) for i in range(2)])
    assert (await http.get("/api/v1/analytics/", headers=viewer)).json()["totals"]["plays"] == 2
