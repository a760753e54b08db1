"""Refusals are shown next to the field the API names, in words a person can act on."""

from __future__ import annotations

import pytest
from conftest import CloudProcess, sign_in
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_refusals_are_shown_at_the_field_they_name(page: Page, cloud: CloudProcess) -> None:
    taken = cloud.new_club()["name"]
    sign_in(page, cloud, "#/clubs")

    page.get_by_label("Club name").fill(taken)
    page.get_by_role("button", name="Create club").click()
    expect(page.locator("#create-club #name-error")).to_have_text("a club with this name already exists")
    expect(page.get_by_label("Club name")).to_have_attribute("aria-invalid", "true")

    form = page.locator("#create-user")
    form.get_by_label("E-mail").fill("not-an-address")
    form.get_by_label("First password (10 characters or more)").fill("long-enough-password")
    form.get_by_role("button", name="Add person").click()
    expect(form.locator("#email-error")).to_have_text("Not in the expected format.")

    form.get_by_label("E-mail").fill("coach@example.org")
    form.get_by_role("button", name="Add person").click()  # a club admin needs a club
    expect(form.locator("#club_id-error")).to_contain_text("club_id")

    form.locator("select[name=club_id]").select_option(label=taken)
    form.get_by_role("button", name="Add person").click()
    expect(page.locator("#users-table")).to_contain_text("coach@example.org")
    assert "coach@example.org" in [u["email"] for u in cloud.api.get("/api/v1/users").json()]
