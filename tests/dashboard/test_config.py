"""A site's configuration: a bad draft shows the field's error; publish, diff and rollback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CloudProcess, sign_in
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def _edit(page: Page, change) -> None:
    editor = page.locator("#config-json")
    doc = json.loads(editor.input_value())
    change(doc)
    editor.fill(json.dumps(doc, indent=2))


def test_a_bad_draft_shows_the_field_and_publishing_makes_version_1(
    page: Page, cloud: CloudProcess, screenshot_dir: Path
) -> None:
    site = cloud.new_site(cloud.new_club()["id"])["site"]
    sign_in(page, cloud, f"#/sites/{site['id']}/config")
    expect(page.get_by_role("heading", name="Nothing published yet")).to_be_visible()

    _edit(page, lambda d: d["remote"].update(language="de"))
    page.get_by_role("button", name="Save draft").click()
    error = page.locator('#config-errors .field-error[data-field="$.remote.language"]')
    expect(error).to_be_visible()
    expect(error).to_contain_text("$.remote.language")
    selected = page.evaluate(
        "() => { const t = document.querySelector('#config-json');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); }"
    )
    assert '"language": "de"' in selected  # the editor points at the faulty line
    page.screenshot(path=screenshot_dir / "config-error-1280.png")

    editor_text = page.locator("#config-json").input_value()
    page.locator("#config-json").fill("{" + editor_text)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#config-errors")).to_contain_text("This is not valid JSON")

    page.locator("#config-json").fill(editor_text)
    _edit(page, lambda d: d["remote"].update(language="en", title="Salle A"))
    page.get_by_role("button", name="Publish").click()
    expect(page.locator('#history-table tr[data-version="1"]')).to_be_visible()
    expect(page.locator("#config-state")).to_contain_text("version 1")
    published = cloud.api.get(f"/api/v1/sites/{site['id']}/config/versions/1").json()
    assert published["document"]["remote"] == {"title": "Salle A", "language": "en"}


def test_diff_and_rollback_with_confirmation(page: Page, cloud: CloudProcess) -> None:
    site = cloud.new_site(cloud.new_club()["id"])["site"]
    sign_in(page, cloud, f"#/sites/{site['id']}/config")
    _edit(page, lambda d: d["remote"].update(title="First"))
    page.get_by_role("button", name="Publish").click()
    expect(page.locator('#history-table tr[data-version="1"]')).to_be_visible()
    _edit(page, lambda d: d["remote"].update(title="Second"))
    page.get_by_role("button", name="Publish").click()
    expect(page.locator('#history-table tr[data-version="2"]')).to_be_visible()

    page.locator('#history-table tr[data-version="2"]').get_by_role(
        "button", name="Diff with previous"
    ).click()
    change = page.locator("#diff-table tr", has_text="$.remote.title")
    expect(change).to_contain_text('"First"')
    expect(change).to_contain_text('"Second"')

    page.locator('#history-table tr[data-version="1"]').get_by_role("button", name="Roll back").click()
    page.get_by_role("dialog").get_by_role("button", name="Roll back to v1").click()
    expect(page.locator('#history-table tr[data-version="3"]')).to_contain_text("rollback to version 1")
    latest = cloud.api.get(f"/api/v1/sites/{site['id']}/config/versions/3").json()
    assert latest["document"]["remote"]["title"] == "First"


def test_a_library_video_is_added_to_the_document_and_published(
    page: Page, cloud: CloudProcess, clip: Path
) -> None:
    club = cloud.new_club()
    site = cloud.new_site(club["id"])["site"]
    r = cloud.api.post(
        "/api/v1/media",
        params={"name": "sponsor-garage.mp4", "club_id": club["id"]},
        content=clip.read_bytes(),
    )
    assert r.status_code == 201, r.text
    media = r.json()["media"]
    sign_in(page, cloud, f"#/sites/{site['id']}/config")
    page.get_by_label("Library video to add").select_option(label="sponsor-garage.mp4")
    page.get_by_role("button", name="Add to videos").click()
    _edit(page, lambda d: d["loops"].update(neutral=[{"video": media["id"]}]))
    page.get_by_role("button", name="Publish").click()
    expect(page.locator('#history-table tr[data-version="1"]')).to_be_visible()

    document = cloud.api.get(f"/api/v1/sites/{site['id']}/config/versions/1").json()["document"]
    (video,) = document["videos"]
    assert (video["id"], video["sha256"], video["title"]) == (media["id"], media["sha256"], "sponsor-garage")
    assert document["loops"] == {"neutral": [{"video": media["id"], "owner": "club"}]}
