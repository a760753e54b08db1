"""Signing in and out of the dashboard, on a real cloud process in a real Chromium."""

from __future__ import annotations

import re

import pytest
from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, CloudProcess, sign_in
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_wrong_password_says_so_and_the_right_one_shows_who_you_are(page: Page, cloud: CloudProcess) -> None:
    page.goto(cloud.dashboard)
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("Wrong e-mail or password"))
    expect(page.locator("#topbar")).to_be_hidden()

    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#whoami")).to_have_text(f"{ADMIN_EMAIL} · Platform admin · all clubs")
    expect(page.get_by_role("heading", name="Sites")).to_be_visible()

    page.locator("#whoami").click()
    expect(page.locator("#me-role")).to_have_text("Platform admin")


def test_a_reload_keeps_the_session_and_log_out_ends_it(page: Page, cloud: CloudProcess) -> None:
    sign_in(page, cloud, "#/media")
    expect(page.get_by_role("heading", name="Media library")).to_be_visible()
    # The access token lived in memory only: the reload signs in again with the refresh token.
    page.reload()
    expect(page.get_by_role("heading", name="Media library")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('neopro.refresh')") is None
    page.goto(cloud.dashboard + "#/sites")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_a_revoked_session_goes_back_to_sign_in_with_a_message(page: Page, cloud: CloudProcess) -> None:
    sign_in(page, cloud, "#/sites")
    # Another tab signs out with the same refresh token: the cloud revokes it, and this page's
    # next refresh is refused. Forget the access token so the next call needs that refresh.
    token = page.evaluate("sessionStorage.getItem('neopro.refresh')")
    assert cloud.api.post("/api/v1/auth/logout", json={"refresh_token": token}).status_code == 204
    page.reload()
    expect(page.get_by_text("Your session has ended. Sign in again to continue.")).to_be_visible()
    expect(page.locator("#topbar")).to_be_hidden()
