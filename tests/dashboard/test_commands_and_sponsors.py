"""Commands to a site (send, see the queue, cancel) and sponsors (contract, pacing, PDF and CSV)."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import httpx
import pytest
from dashboard_kit import CloudProcess, sign_in
from PIL import Image
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_a_command_is_queued_with_its_priority_and_can_be_cancelled(
    page: Page, cloud: CloudProcess, screenshot_dir: Path
) -> None:
    site = cloud.new_site(cloud.new_club()["id"])["site"]
    sign_in(page, cloud, f"#/sites/{site['id']}/commands")
    expect(page.get_by_text("No commands yet")).to_be_visible()
    page.get_by_label("Command").select_option(label="Set volume")
    page.get_by_label(re.compile("^Volume")).fill("35")
    page.get_by_label("Priority").select_option("8")
    page.get_by_role("button", name="Send").click()

    row = page.locator("#commands-table tbody tr").first
    expect(row).to_contain_text("Set volume")
    expect(row).to_contain_text('{"volume":35}')
    expect(row).to_contain_text("queued")
    page.screenshot(path=screenshot_dir / "commands-queued-1280.png", full_page=True)
    (queued,) = cloud.api.get(f"/api/v1/sites/{site['id']}/commands").json()
    assert (queued["type"], queued["args"], queued["priority"]) == ("set_volume", {"volume": 35}, 8)
    assert queued["expires_at"] is not None  # "give up after 1 hour" by default

    row.get_by_role("button", name="Cancel").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel command").click()
    expect(row).to_contain_text("cancelled")
    assert cloud.api.get(f"/api/v1/sites/{site['id']}/commands").json()[0]["status"] == "cancelled"


def test_a_screenshot_result_shows_the_picture_the_pi_sent(page: Page, cloud: CloudProcess) -> None:
    created = cloud.new_site(cloud.new_club()["id"])
    site_id = created["site"]["id"]
    # The Pi's side, straight through the device API as the agent does: enroll, take the
    # command, report a real JPEG (made here with Pillow: the TV's picture stands in).
    enrolled = httpx.post(
        f"{cloud.url}/device/v1/enroll", json={"code": created["enrollment"]["code"]}
    ).json()
    device = {"Authorization": f"Bearer {enrolled['credential']}"}
    command = cloud.api.post(f"/api/v1/sites/{site_id}/commands", json={"type": "screenshot"}).json()
    picture = io.BytesIO()
    Image.new("RGB", (64, 36), (46, 125, 50)).save(picture, "JPEG")
    assert (
        httpx.post(f"{cloud.url}/device/v1/commands/{command['id']}/ack", headers=device).status_code == 200
    )
    result = {"jpeg_base64": base64.b64encode(picture.getvalue()).decode(), "width": 64, "height": 36,
              "taken_at": "2026-11-25T12:00:00+00:00"}  # fmt: skip
    reported = httpx.post(f"{cloud.url}/device/v1/commands/{command['id']}/result", headers=device,
                          json={"status": "succeeded", "result": result})  # fmt: skip
    assert reported.status_code == 200, reported.text

    sign_in(page, cloud, f"#/sites/{site_id}/commands")
    shot = page.locator("#commands-table img.screenshot")
    expect(shot).to_be_visible()
    assert shot.evaluate("img => img.complete && img.naturalWidth") == 64  # the browser decoded it


def test_a_sponsor_gets_a_contract_its_pacing_and_its_reports(
    page: Page, cloud: CloudProcess, screenshot_dir: Path
) -> None:
    club = cloud.new_club()
    sign_in(page, cloud, "#/sponsors")
    page.get_by_label("Sponsor name").fill("Boulangerie Martin")
    page.get_by_label("Club").select_option(label=club["name"])
    page.get_by_role("button", name="Add sponsor").click()
    page.get_by_role("link", name="Boulangerie Martin").click()
    expect(page.get_by_role("heading", name="Boulangerie Martin")).to_be_visible()

    page.get_by_label("From", exact=True).last.fill("2026-09-01")
    page.get_by_label("To", exact=True).last.fill("2027-06-30")
    page.get_by_label("Target plays").fill("400")
    page.get_by_role("button", name="Add contract").click()
    expect(page.locator("#pacing-table")).to_contain_text("0 / 400")
    page.screenshot(path=screenshot_dir / "sponsor-1280.png", full_page=True)

    with page.expect_download() as pdf:
        page.get_by_role("button", name="Download PDF report").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    with open(pdf.value.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    expect(page.locator(".toast").last).to_contain_text(re.compile("Verification code: \\S+"))

    with page.expect_download() as csv:
        page.get_by_role("button", name="Download CSV").click()
    assert csv.value.suggested_filename.endswith(".csv")
