"""What the dashboard tests share: the cloud process handle, the admin, signing in, Chromium's flags.

The cloud runs as ``neopro cloud`` (the same command an operator runs) on an ephemeral
127.0.0.1 port, with a platform admin made by ``neopro cloud create-admin``; it serves the
dashboard at /dashboard/. Setup that is not what a test is about (a club, a site) goes
straight through the public API with httpx, as a script would.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx
from playwright.sync_api import Page, expect

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ADMIN_EMAIL = "platform@example.org"
ADMIN_PASSWORD = "dashboard-test-password"

expect.set_options(timeout=15_000)


@dataclass
class CloudProcess:
    url: str
    api: httpx.Client  # signed in as the platform admin

    @property
    def dashboard(self) -> str:
        return self.url + "/dashboard/"

    def new_club(self, name: str | None = None) -> dict:
        r = self.api.post("/api/v1/clubs", json={"name": name or f"Club {secrets.token_hex(4)}"})
        assert r.status_code == 201, r.text
        return r.json()

    def new_site(self, club_id: str, name: str = "Main stadium TV") -> dict:
        r = self.api.post("/api/v1/sites", json={"name": name, "club_id": club_id})
        assert r.status_code == 201, r.text
        return r.json()


def sign_in(page: Page, cloud: CloudProcess, hash_route: str = "") -> None:
    page.goto(cloud.dashboard + hash_route)
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#topbar")).to_be_visible()
