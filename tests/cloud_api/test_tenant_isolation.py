"""Tenant isolation, generated from the application's route table.

Every admin route that takes an object id is called by club A's admin and operator with club
B's object: the answer must be 403 or 404, and B's objects must be unchanged afterwards.
Every device route that takes an id is called by A's device with B's object. Every admin
write that needs more than an operator is refused to an operator (403), even in their own
club. A new route is covered without anyone remembering: a write route with an id and no
sample body below makes the test fail and say so.
"""

from __future__ import annotations

import re

import pytest
from cloud_testkit import config_doc, upload

from cloud_api.domain.accounts.guards import RANK, Role, required_role
from cloud_api.server.app import create_app

#: A valid body for each write route, so the request passes validation and reaches the tenancy check.
BODIES: dict[tuple[str, str], object] = {
    ("PATCH", "/api/v1/clubs/{club_id}"): {"name": "Renamed by another club"},
    ("PATCH", "/api/v1/users/{user_id}"): {"name": "x", "role": "club_operator"},
    ("PATCH", "/api/v1/sites/{site_id}"): {"name": "Renamed by another club"},
    ("PUT", "/api/v1/sites/{site_id}/config/draft"): "CONFIG",
    ("POST", "/api/v1/sites/{site_id}/config/publish"): {"note": "x"},
    ("POST", "/api/v1/sites/{site_id}/commands"): {"type": "reboot"},
    ("POST", "/api/v1/media/{media_id}/assignments"): "ASSIGN",
    ("POST", "/api/v1/sponsors/{sponsor_id}/videos"): "SPONSOR_VIDEO",
    ("POST", "/api/v1/sponsors/{sponsor_id}/contracts"): {
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "target_plays": 100,
    },
    ("PATCH", "/api/v1/sponsors/{sponsor_id}"): {"name": "Renamed by another club"},
    ("POST", "/device/v1/commands/{command_id}/result"): {"status": "succeeded"},
}
#: Required query parameters of routes that have some.
QUERIES: dict[tuple[str, str], dict[str, object]] = {
    ("GET", "/api/v1/sites/{site_id}/config/diff"): {"from": 1, "to": 1},
}
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def route_table() -> list[tuple[str, str, object]]:
    """(method, path template without types, handler) of every HTTP route of the real app."""
    from cloud_api.lib.settings import Settings

    app = create_app(
        Settings(
            data_dir=__import__("pathlib").Path("/tmp/neopro-route-table"),
            database_url="sqlite+aiosqlite://",
            jwt_secret="route-table-" + "k" * 32,
        )
    )
    out = []
    for route in app.routes:
        for method, (handler, _kwargs) in getattr(route, "route_handler_map", {}).items():
            if method == "OPTIONS":
                continue
            out.append((method, _PARAM.sub(r"{\1}", route.path), handler))
    return out


ROUTES = route_table()


def with_ids(path: str, ids: dict[str, str]) -> str:
    return _PARAM.sub(lambda m: ids[m.group(1)], path)


async def objects_of(cloud, world, club) -> dict[str, str]:
    """One object of every kind in ``club``, by the path parameter that names it."""
    http = cloud.http
    users = (await http.get("/api/v1/users", headers=club.admin)).json()
    media = (await upload(http, club.admin, cloud.clip)).json()["media"]
    sponsor = (await http.post("/api/v1/sponsors", json={"name": "Boulangerie"}, headers=club.admin)).json()
    contract = (
        await http.post(
            f"/api/v1/sponsors/{sponsor['id']}/contracts",
            json={"starts_on": "2026-01-01", "ends_on": "2026-06-30", "target_plays": 10},
            headers=club.admin,
        )
    ).json()
    command = (
        await http.post(
            f"/api/v1/sites/{club.site_id}/commands", json={"type": "sync_now"}, headers=club.admin
        )
    ).json()
    r = await http.put(
        f"/api/v1/sites/{club.site_id}/config/draft", json=config_doc(club.site_id), headers=club.admin
    )
    assert r.status_code == 200, r.text
    r = await http.post(
        f"/api/v1/sites/{club.site_id}/config/publish", json={"note": "v1"}, headers=club.admin
    )
    assert r.status_code == 201, r.text
    platform_media = (await upload(http, world.platform, cloud.clip, name="platform.mp4")).json()["media"]
    assignment = (
        await http.post(
            f"/api/v1/media/{platform_media['id']}/assignments",
            json={"club_id": club.id},
            headers=world.platform,
        )
    ).json()
    return {
        "club_id": club.id,
        "user_id": users[0]["id"],
        "site_id": club.site_id,
        "device_id": club.device_id,
        "command_id": command["id"],
        "media_id": media["id"],
        "sponsor_id": sponsor["id"],
        "contract_id": contract["id"],
        "version": "1",
        "assignment_id": assignment["id"],
    }


def body_for(method: str, path: str, ids_a: dict[str, str], ids_b: dict[str, str]) -> object:
    body = BODIES.get((method, path))
    if body == "CONFIG":
        return config_doc(ids_b["site_id"])
    if body == "ASSIGN":
        return {"club_id": ids_a["club_id"]}
    if body == "SPONSOR_VIDEO":
        return {"media_id": ids_a["media_id"]}
    return body


@pytest.fixture
async def matrix(cloud, world, clip):
    cloud.clip = clip
    return await objects_of(cloud, world, world.a), await objects_of(cloud, world, world.b)


async def test_every_id_route_refuses_another_clubs_object(cloud, world, matrix):
    ids_a, ids_b = matrix
    checked = 0
    for method, path, _handler in ROUTES:
        if not path.startswith("/api/v1/") or not _PARAM.search(path):
            continue
        if (
            method in ("POST", "PUT", "PATCH")
            and (method, path) not in BODIES
            and not path.endswith(("/revoke", "/rollback", "/cancel", "/enrollment-codes"))
        ):
            pytest.fail(
                f"{method} {path} is new: add a sample body to BODIES so the isolation matrix can call it"
            )
        body = body_for(method, path, ids_a, ids_b)
        for who, headers in (("admin", world.a.admin), ("operator", world.a.operator)):
            r = await cloud.http.request(
                method, with_ids(path, ids_b), json=body, params=QUERIES.get((method, path)), headers=headers
            )
            assert r.status_code != 400, (
                f"{method} {path} refused the sample request ({r.text}): fix BODIES/QUERIES"
            )
            assert r.status_code in (403, 404), (
                f"{who} of club A got {r.status_code} on B's {method} {path}: {r.text}"
            )
            checked += 1
    assert checked > 40
    # B's things are untouched.
    site = (await cloud.http.get(f"/api/v1/sites/{ids_b['site_id']}", headers=world.b.admin)).json()
    assert site["name"] == "Club TV" and site["published_config_version"] == 1
    command = await cloud.http.get(
        f"/api/v1/sites/{ids_b['site_id']}/commands/{ids_b['command_id']}", headers=world.b.admin
    )
    assert command.json()["status"] in ("queued", "sent")
    media = await cloud.http.get(f"/api/v1/media/{ids_b['media_id']}", headers=world.b.admin)
    assert media.status_code == 200


async def test_a_device_reaches_only_its_own_sites_objects(cloud, world, matrix):
    _, ids_b = matrix
    checked = 0
    for method, path, _handler in ROUTES:
        if not path.startswith("/device/v1/") or not _PARAM.search(path):
            continue
        r = await cloud.http.request(
            method, with_ids(path, ids_b), json=BODIES.get((method, path)), headers=world.a.device
        )
        assert r.status_code in (403, 404), f"A's device got {r.status_code} on B's {method} {path}"
        r = await cloud.http.request(
            method, with_ids(path, ids_b), json=BODIES.get((method, path)), headers=world.b.device
        )
        assert r.status_code < 400 or r.status_code == 409, (
            f"B's own device got {r.status_code} on {method} {path}: {r.text}"
        )
        checked += 1
    assert checked >= 3


async def test_an_operator_cannot_do_admin_writes_even_in_their_own_club(cloud, world, matrix):
    ids_a, _ = matrix
    checked = 0
    for method, path, handler in ROUTES:
        if not path.startswith("/api/v1/") or method in ("GET", "HEAD") or handler.opt.get("public"):
            continue
        if RANK[required_role(handler, method)] <= RANK[Role.CLUB_OPERATOR]:
            continue
        body = body_for(method, path, ids_a, ids_a) or {"name": "x"}
        r = await cloud.http.request(method, with_ids(path, ids_a), json=body, headers=world.a.operator)
        assert r.status_code == 403, f"operator got {r.status_code} on {method} {path}"
        checked += 1
    assert checked > 15
    # What an operator may do: read, and send commands.
    r = await cloud.http.post(
        f"/api/v1/sites/{ids_a['site_id']}/commands", json={"type": "reboot"}, headers=world.a.operator
    )
    assert r.status_code == 201


async def test_lists_show_only_the_callers_club(cloud, world, matrix):
    _, ids_b = matrix
    for path in (
        "/api/v1/sites",
        "/api/v1/users",
        "/api/v1/media",
        "/api/v1/sponsors",
        "/api/v1/clubs",
        "/api/v1/audit",
    ):
        text = (await cloud.http.get(path, headers=world.a.admin)).text
        for key in ("site_id", "media_id", "sponsor_id", "club_id", "user_id"):
            assert ids_b[key] not in text, f"{path} shows club B's {key}"
