"""Sites: creating one shows its enrollment code (which really enrolls a Pi); revoking asks first."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from conftest import CloudProcess, sign_in
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_creating_a_site_shows_an_enrollment_code_that_enrolls_the_pi(
    page: Page, cloud: CloudProcess
) -> None:
    club = cloud.new_club()
    sign_in(page, cloud, "#/sites")
    page.get_by_role("button", name="Create site").click()
    expect(page.locator("#create-site .field-error")).to_have_text(re.compile("Give the site a name"))

    page.get_by_label("New site name").fill("Gymnase Jean Moulin")
    page.get_by_label("Club").select_option(label=club["name"])
    page.get_by_role("button", name="Create site").click()

    code_box = page.get_by_test_id("enrollment-code")
    expect(code_box).to_be_visible()
    code = code_box.inner_text().strip()
    assert len(code) >= 6
    expect(page.locator("#enrollment")).to_contain_text(
        f"neopro agent enroll --cloud {cloud.url} --code {code}"
    )
    expect(page.locator("#enrollment")).to_contain_text("neopro.txt")
    row = page.locator("#sites-table tr", has_text="Gymnase Jean Moulin")
    expect(row).to_contain_text("never seen")

    enrolled = httpx.post(cloud.url + "/device/v1/enroll", json={"code": code, "hardware": {"model": "Pi 4"}})
    assert enrolled.status_code == 201, enrolled.text


def test_revoking_a_device_asks_first_and_then_cuts_it_off(page: Page, cloud: CloudProcess) -> None:
    site = cloud.new_site(cloud.new_club()["id"], "Salle B")
    r = httpx.post(
        cloud.url + "/device/v1/enroll",
        json={"code": site["enrollment"]["code"], "hardware": {"model": "Raspberry Pi 4"}},
    )
    assert r.status_code == 201, r.text
    device_id = r.json()["device_id"]
    sign_in(page, cloud, f"#/sites/{site['site']['id']}")
    expect(page.get_by_role("cell", name="Raspberry Pi 4")).to_be_visible()

    page.get_by_role("button", name="Revoke").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Revoke this device?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    devices = cloud.api.get(f"/api/v1/sites/{site['site']['id']}/devices").json()
    assert devices[0]["revoked_at"] is None

    page.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke device").click()
    expect(page.get_by_text(re.compile("^revoked"))).to_be_visible()
    devices = cloud.api.get(f"/api/v1/sites/{site['site']['id']}/devices").json()
    assert devices[0]["id"] == device_id and devices[0]["revoked_at"] is not None


def test_the_site_list_shows_what_the_pi_reports(page: Page, cloud: CloudProcess, clip: Path) -> None:
    club = cloud.new_club()
    site = cloud.new_site(club["id"], "Terrain synthétique")
    media = cloud.api.post(
        "/api/v1/media", params={"name": "pub-pizzeria.mp4", "club_id": club["id"]}, content=clip.read_bytes()
    ).json()["media"]
    device = httpx.post(
        cloud.url + "/device/v1/enroll",
        json={"code": site["enrollment"]["code"], "hardware": {"model": "Pi 5"}},
    ).json()
    beat = {"software_version": "1.4.0", "on_air": media["id"], "temperature_c": 61.4, "disk_percent": 37.0}
    r = httpx.post(
        cloud.url + "/device/v1/heartbeat",
        json=beat,
        headers={"Authorization": f"Bearer {device['credential']}"},
    )
    assert r.status_code == 204, r.text
    status_url = f"/api/v1/sites/{site['site']['id']}/status"
    deadline = time.monotonic() + 10
    while cloud.api.get(status_url).json()["state"] != "online":  # heartbeats are written in batches
        assert time.monotonic() < deadline, cloud.api.get(status_url).json()
        time.sleep(0.1)

    sign_in(page, cloud, "#/sites")
    row = page.locator("#sites-table tr", has_text="Terrain synthétique")
    expect(row.locator(".pill")).to_have_text("online")
    expect(row).to_contain_text("pub-pizzeria.mp4")
    expect(row).to_contain_text("61 °C")
    expect(row).to_contain_text("37 %")
    expect(row).to_contain_text("none published")


def test_a_club_admin_works_in_their_own_club_without_choosing_one(page: Page, cloud: CloudProcess) -> None:
    club = cloud.new_club("US Saint-Malo")
    r = cloud.api.post(
        "/api/v1/users",
        json={"email": "admin@usstmalo.fr", "password": "club-admin-password", "role": "club_admin",
              "club_id": club["id"], "name": "Claire"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    page.goto(cloud.dashboard)
    page.get_by_label("E-mail").fill("admin@usstmalo.fr")
    page.get_by_label("Password").fill("club-admin-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#whoami")).to_have_text("admin@usstmalo.fr · Club admin · US Saint-Malo")
    expect(page.locator('[data-nav="clubs"]')).to_have_text("People")
    expect(page.get_by_text("No sites yet")).to_be_visible()
    expect(page.locator("#create-site select")).to_have_count(0)  # the club comes from the token

    page.get_by_label("New site name").fill("Club house")
    page.get_by_role("button", name="Create site").click()
    expect(page.get_by_test_id("enrollment-code")).to_be_visible()
    (site,) = [s for s in cloud.api.get("/api/v1/sites").json() if s["name"] == "Club house"]
    assert site["club_id"] == club["id"]
