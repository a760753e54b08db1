"""Fixtures of the dashboard tests: a real cloud process on SQLite, a real headless Chromium.

The cloud runs as ``neopro cloud`` (the same command an operator runs) on an ephemeral
127.0.0.1 port, with a platform admin made by ``neopro cloud create-admin``; it serves the
dashboard at /dashboard/. Setup that is not what a test is about (a club, a site) goes
straight through the public API with httpx, as a script would.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    root = tmp_path_factory.mktemp("dashboard-cloud")
    env = {
        **os.environ,
        "NEOPRO_DATABASE_URL": f"sqlite+aiosqlite:///{root / 'cloud.db'}",
        "NEOPRO_CLOUD_DATA_DIR": str(root / "data"),
        "NEOPRO_JWT_SECRET": "dashboard-test-" + secrets.token_hex(16),
        "NEOPRO_MAX_UPLOAD_BYTES": str(2 * 1024 * 1024),  # the test clips are ~50 KB
        "NEOPRO_LOG_JSON": "0",
    }
    neopro = [sys.executable, "-m", "neopro"]
    made = subprocess.run(
        [*neopro, "cloud", "create-admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    port = _free_port()
    log = (root / "cloud.log").open("w")
    proc = subprocess.Popen([*neopro, "cloud", "--port", str(port)], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (root / "cloud.log").read_text()
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the cloud did not start in 30 s"
            time.sleep(0.1)
        with httpx.Client(base_url=url, timeout=30) as api:
            r = api.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
            assert r.status_code == 200, r.text
            api.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
            yield CloudProcess(url=url, api=api)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no session) at a laptop's width; JavaScript errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the dashboard: {errors}"


def sign_in(page: Page, cloud: CloudProcess, hash_route: str = "") -> None:
    page.goto(cloud.dashboard + hash_route)
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#topbar")).to_be_visible()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: NEOPRO_SCREENSHOT_DIR to keep them for a look, else a temp dir."""
    wanted = os.environ.get("NEOPRO_SCREENSHOT_DIR")
    path = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def clip() -> Path:
    """A real 2 s H.264 clip, small (320x180), made with ffmpeg and cached by recipe."""
    from neopro.media.samples import ClipRecipe, make_clip

    return make_clip(ClipRecipe(title="Goal", color="0x2E7D32", seconds=2.0, width=320, height=180))
