"""Token attacks on the admin API, refresh-token rotation, login rate limit, password change."""

from __future__ import annotations

import base64
import json
import time

import jwt
from cloud_testkit import PASSWORD, bearer, login, make_user

from cloud_api.domain.accounts.guards import Role


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(settings, **over) -> dict:
    now = int(time.time())
    base = {"sub": "u", "club": None, "role": "platform_admin", "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience, "iat": now, "exp": now + 600}  # fmt: skip
    base.update(over)
    return {k: v for k, v in base.items() if v is not ...}


async def test_forged_and_stale_access_tokens_get_401(cloud, world):
    s = cloud.settings
    good = jwt.encode(claims(s), s.jwt_secret, algorithm="HS256")
    assert (await cloud.http.get("/api/v1/clubs", headers=bearer(good))).status_code == 200  # the control
    forged = {
        "alg none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims(s))}.",
        "wrong key": jwt.encode(claims(s), "another-secret-" + "k" * 32, algorithm="HS256"),
        "algorithm confusion (HS512)": jwt.encode(claims(s), s.jwt_secret, algorithm="HS512"),
        "algorithm confusion (RS256 header)": f"{b64({'alg': 'RS256', 'typ': 'JWT'})}.{b64(claims(s))}.{good.split('.')[2]}",
        "expired": jwt.encode(claims(s, exp=int(time.time()) - 5), s.jwt_secret, algorithm="HS256"),
        "wrong audience": jwt.encode(claims(s, aud="someone-else"), s.jwt_secret, algorithm="HS256"),
        "wrong issuer": jwt.encode(claims(s, iss="someone-else"), s.jwt_secret, algorithm="HS256"),
        "no exp": jwt.encode(claims(s, exp=...), s.jwt_secret, algorithm="HS256"),
        "no aud": jwt.encode(claims(s, aud=...), s.jwt_secret, algorithm="HS256"),
        "garbage": "not-a-token",
        "device credential": world.a.device["Authorization"].split(" ", 1)[1],
    }
    for name, token in forged.items():
        r = await cloud.http.get("/api/v1/clubs", headers=bearer(token))
        assert r.status_code == 401, f"{name}: {r.status_code}"
    assert (await cloud.http.get("/api/v1/clubs")).status_code == 401


async def test_access_tokens_never_reach_device_routes(cloud, world):
    for headers in (world.platform, world.a.admin, world.a.operator):
        assert (await cloud.http.post("/device/v1/heartbeat", json={}, headers=headers)).status_code == 401
        assert (await cloud.http.get("/device/v1/manifest", headers=headers)).status_code == 401
    assert (await cloud.http.post("/device/v1/heartbeat", json={}, headers=world.a.device)).status_code == 204


async def test_refresh_rotates_and_reuse_revokes_the_family(cloud):
    email = await make_user(cloud.settings, Role.PLATFORM_ADMIN)
    first = await login(cloud.http, email)
    r = await cloud.http.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await cloud.http.get("/api/v1/auth/me", headers=bearer(second["access_token"]))).json()[
        "email"
    ] == email
    # The spent token comes back (stolen copy): 401, and the whole family is revoked.
    r = await cloud.http.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 401
    r = await cloud.http.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert r.status_code == 401
    # Another sign-in is its own family and still works.
    third = await login(cloud.http, email)
    assert (
        await cloud.http.post("/api/v1/auth/refresh", json={"refresh_token": third["refresh_token"]})
    ).status_code == 200


async def test_logout_revokes_the_refresh_token(cloud):
    email = await make_user(cloud.settings, Role.PLATFORM_ADMIN)
    pair = await login(cloud.http, email)
    assert (
        await cloud.http.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]})
    ).status_code == 204
    assert (
        await cloud.http.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    ).status_code == 401


async def test_login_is_rate_limited_after_repeated_failures(cloud):
    email = await make_user(cloud.settings, Role.PLATFORM_ADMIN)
    for _ in range(cloud.settings.login_max_failures):
        r = await cloud.http.post("/api/v1/auth/login", json={"email": email, "password": "wrong-password!"})
        assert r.status_code == 401
    r = await cloud.http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 429 and r.json()["field"] == "email" and "Retry-After" in r.headers


async def test_password_change_needs_the_current_one_and_ends_other_sessions(cloud):
    email = await make_user(cloud.settings, Role.PLATFORM_ADMIN)
    pair = await login(cloud.http, email)
    headers = bearer(pair["access_token"])
    r = await cloud.http.post(
        "/api/v1/auth/password",
        json={"current_password": "nope", "new_password": "a-new-long-password"},
        headers=headers,
    )
    assert r.status_code == 403 and r.json()["field"] == "current_password"
    r = await cloud.http.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a-new-long-password"},
        headers=headers,
    )
    assert r.status_code == 204
    assert (
        await cloud.http.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    ).status_code == 401
    r = await cloud.http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 401
    await login(cloud.http, email, "a-new-long-password")


async def test_every_write_is_in_the_audit_log_with_who_and_where(cloud, world):
    r = await cloud.http.patch(
        f"/api/v1/sites/{world.a.site_id}", json={"name": "Main pitch"}, headers=world.a.admin
    )
    assert r.status_code == 200
    r = await cloud.http.post(
        f"/api/v1/sites/{world.a.site_id}/commands", json={"type": "reboot"}, headers=world.a.operator
    )
    command_id = r.json()["id"]
    entries = (await cloud.http.get("/api/v1/audit", headers=world.a.admin)).json()
    actions = {(e["action"], e["object_id"]) for e in entries}
    assert ("PATCH /api/v1/sites/{site_id}", world.a.site_id) in actions
    assert ("POST /api/v1/sites/{site_id}/commands", command_id) in actions
    assert all(e["club_id"] == world.a.id and e["address"] == "127.0.0.1" for e in entries)
    assert any(e["actor_type"] == "device" for e in entries)  # the enrollment
    # An operator may not read the audit log; another club sees none of it.
    assert (await cloud.http.get("/api/v1/audit", headers=world.a.operator)).status_code == 403
    assert world.a.site_id not in (await cloud.http.get("/api/v1/audit", headers=world.b.admin)).text
