"""The media library: an upload shows its progress to 100 % and lands in the list; a refusal says why."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CloudProcess, sign_in
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_upload_shows_progress_to_100_and_lists_the_clip(page: Page, cloud: CloudProcess, clip: Path) -> None:
    club = cloud.new_club()
    sign_in(page, cloud, "#/media")
    page.get_by_label("Video file").set_input_files(
        files=[{"name": "but-domicile.mp4", "mimeType": "video/mp4", "buffer": clip.read_bytes()}]
    )
    page.get_by_label("Belongs to").select_option(label=club["name"])
    page.get_by_role("button", name="Upload").click()

    bar = page.locator("#upload-progress [role=progressbar]")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(bar).to_have_text("100 %")
    row = page.locator("#media-table tr", has_text="but-domicile.mp4")
    expect(row).to_contain_text("2 s")
    expect(row).to_contain_text("ready")
    expect(row).to_contain_text("320\u00d7180")  # width x height
    thumb = row.locator("img.thumb")
    expect(thumb).to_have_attribute("src", re.compile("^blob:"))
    assert page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())

    listed = [m["name"] for m in cloud.api.get("/api/v1/media").json()]
    assert "but-domicile.mp4" in listed


def test_a_file_that_is_not_a_video_is_refused_with_the_reason(page: Page, cloud: CloudProcess) -> None:
    sign_in(page, cloud, "#/media")
    page.get_by_label("Video file").set_input_files(
        files=[
            {
                "name": "notes.mp4",
                "mimeType": "video/mp4",
                "buffer": b"these are meeting notes, not a video\n" * 50,
            }
        ]
    )
    page.get_by_role("button", name="Upload").click()
    error = page.locator("#upload-form .field-error")
    expect(error).to_have_text(re.compile(r"^Upload refused: \S"))
    assert "notes.mp4" not in [m["name"] for m in cloud.api.get("/api/v1/media").json()]


def test_deleting_a_clip_asks_first(page: Page, cloud: CloudProcess, clip: Path) -> None:
    club = cloud.new_club()
    r = cloud.api.post(
        "/api/v1/media", params={"name": "to-delete.mp4", "club_id": club["id"]}, content=clip.read_bytes()
    )
    assert r.status_code == 201, r.text
    sign_in(page, cloud, "#/media")
    row = page.locator("#media-table tr", has_text="to-delete.mp4")
    row.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete video").click()
    expect(row).to_have_count(0)
    assert "to-delete.mp4" not in [m["name"] for m in cloud.api.get("/api/v1/media").json()]


def test_a_transcode_shows_its_progress_until_the_copy_is_ready(
    page: Page, cloud: CloudProcess, clip: Path
) -> None:
    club = cloud.new_club()
    sign_in(page, cloud, "#/media")
    page.get_by_label("Video file").set_input_files(
        files=[{"name": "entree-joueurs.mp4", "mimeType": "video/mp4", "buffer": clip.read_bytes()}]
    )
    page.get_by_label("Belongs to").select_option(label=club["name"])
    page.get_by_label(re.compile("Pi's playback profile")).check()
    page.get_by_role("button", name="Upload").click()
    copy = page.locator("#media-table tr", has_text="entree-joueurs (Pi profile).mp4")
    expect(copy).to_be_visible()
    # The list polls while a copy is being made, until the row says ready (or failed, with why).
    expect(copy).to_contain_text("ready", timeout=60_000)
    expect(copy).to_contain_text("1920\u00d71080")


def test_a_file_over_the_upload_limit_is_refused_with_the_limit(page: Page, cloud: CloudProcess) -> None:
    sign_in(page, cloud, "#/media")
    page.get_by_label("Video file").set_input_files(
        files=[{"name": "match-complet.mp4", "mimeType": "video/mp4", "buffer": b"\0" * (3 * 1024 * 1024)}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#upload-form .field-error")).to_have_text(
        "Upload refused: the file is larger than the 2 MiB limit; send a smaller one."
    )


def test_platform_media_is_assigned_to_a_club(page: Page, cloud: CloudProcess, clip: Path) -> None:
    club = cloud.new_club()
    r = cloud.api.post("/api/v1/media", params={"name": "federation-spot.mp4"}, content=clip.read_bytes())
    assert r.status_code == 201, r.text
    media = r.json()["media"]
    sign_in(page, cloud, "#/media")
    row = page.locator("#media-table tr", has_text="federation-spot.mp4")
    expect(row).to_contain_text("Not assigned to any club yet")
    row.get_by_label("Club for federation-spot.mp4").select_option(label=club["name"])
    expect(row).to_contain_text(f"Assigned to {club['name']}")
    assignments = cloud.api.get(f"/api/v1/media/{media['id']}/assignments").json()
    assert [a["club_id"] for a in assignments] == [club["id"]]
