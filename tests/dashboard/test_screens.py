"""Every screen fits a laptop (1280 px) and a phone (390 px): no sideways scrolling of the page.

The screenshots are kept in NEOPRO_SCREENSHOT_DIR when it is set, to be looked at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, CloudProcess
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_screens_fit_the_width(
    browser: Browser, cloud: CloudProcess, screenshot_dir: Path, clip: Path, width: int
) -> None:
    club = cloud.new_club()
    site = cloud.new_site(club["id"], "Stade municipal")["site"]
    r = cloud.api.post(
        "/api/v1/media", params={"name": "generique.mp4", "club_id": club["id"]}, content=clip.read_bytes()
    )
    assert r.status_code == 201, r.text
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(cloud.dashboard)
        page.screenshot(path=screenshot_dir / f"login-{width}.png")
        page.get_by_label("E-mail").fill(ADMIN_EMAIL)
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#topbar")).to_be_visible()
        routes = {
            "sites": "#/sites",
            "site": f"#/sites/{site['id']}",
            "config": f"#/sites/{site['id']}/config",
            "commands": f"#/sites/{site['id']}/commands",
            "media": "#/media",
            "sponsors": "#/sponsors",
            "alerts": "#/alerts",
            "clubs": "#/clubs",
        }
        # What shows once a screen's data has arrived (a hash change is not a page load to wait for).
        ready = {
            "sites": "#sites-table",
            "site": "#site-status",
            "config": "#config-json",
            "commands": "#command-queue .empty",
            "media": "#media-table img.thumb",
            "clubs": "#users-table",
        }
        for name, route in routes.items():
            page.goto(cloud.dashboard + route)
            expect(page.locator("main h1")).to_be_visible()
            if name in ready:
                expect(page.locator(ready[name]).first).to_be_visible()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=screenshot_dir / f"{name}-{width}.png", full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
            if name in ("sites", "media"):  # their key columns must fit without scrolling the table
                clipped = page.evaluate(
                    "[...document.querySelectorAll('.table-wrap')].some(t => t.scrollWidth > t.clientWidth + 1)"
                )
                assert not clipped, f"the {name} table is cut at {width} px"
        page.goto(cloud.dashboard + routes["site"])
        page.get_by_role("button", name="New enrollment code").click()
        expect(page.get_by_test_id("enrollment-code")).to_be_visible()
        page.screenshot(path=screenshot_dir / f"enroll-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    finally:
        context.close()
    assert not errors, errors
