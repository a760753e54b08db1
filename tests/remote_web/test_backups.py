"""Backups of the site configuration on the Pi: by hand or daily (kept a week), download, restore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from neopro.contracts import parse_site_config
from neopro.datadir import DataDir
from neopro.media.samples import install_samples
from remote_web import backups

from .conftest import page_csrf


@pytest.fixture
async def admin(hub):
    http = await hub.login("admin")
    http.headers["X-CSRF-Token"] = await page_csrf(http, "/admin")
    yield http
    await http.close()


async def test_a_backup_is_made_downloaded_and_restored_after_a_change(hub, admin, stand_in_player):
    data_dir = hub.settings.data_dir
    before = data_dir.current_config.read_bytes()
    made = await admin.post("/api/admin/backups")
    assert made.status == 201
    backup = await made.json()
    assert backup["kind"] == "manual" and backup["version"] == parse_site_config(before).version
    listed = (await (await admin.get("/api/admin/backups")).json())["backups"]
    # the one just made, and the day's backup the hub made when it started
    assert sorted(b["kind"] for b in listed) == ["daily", "manual"] and backup in listed
    download = await admin.get(f"/api/admin/backups/{backup['name']}")
    assert download.status == 200 and await download.read() == before
    assert "attachment" in download.headers["Content-Disposition"]

    added = await admin.post("/api/admin/categories", json={"label": "Fans", "color": "#AA00AA", "icon": "x"})
    assert added.status == 201 and data_dir.current_config.read_bytes() != before
    restored = await admin.post(f"/api/admin/backups/{backup['name']}/restore")
    assert restored.status == 200, await restored.text()
    assert (await restored.json())["player_told"] is True
    assert data_dir.current_config.read_bytes() == before
    assert parse_site_config(data_dir.current_config.read_bytes()).category("fans") is None


@pytest.mark.parametrize("name", ["..%2Fstate.db", "current.json", "config-x.json", "%2Fetc%2Fpasswd"])
async def test_a_name_that_is_not_a_backup_is_refused(hub, admin, name):
    for method, path in (
        ("GET", f"/api/admin/backups/{name}"),
        ("POST", f"/api/admin/backups/{name}/restore"),
    ):
        answer = await admin.request(method, path)
        assert answer.status == 404, (method, path, answer.status)


async def test_only_the_club_admin_sees_backups(hub):
    operator = await hub.login("operator")
    try:
        assert (await operator.get("/api/admin/backups")).status == 403
    finally:
        await operator.close()


def test_daily_backups_are_made_once_a_day_and_kept_a_week_and_manual_ones_stay(tmp_path):
    data_dir = DataDir(tmp_path / "data").ensure()
    now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert backups.daily(data_dir, now) is None  # nothing applied yet: nothing to back up
    install_samples(data_dir)
    manual = backups.create(data_dir, "manual", now)
    for day in range(10):
        for hour in (0, 6, 23):  # checked every hour on a real Pi: one backup a day
            backups.daily(data_dir, now + timedelta(days=day, hours=hour))
    kept = backups.listing(data_dir)
    daily = [b for b in kept if b.kind == "daily"]
    last = now + timedelta(days=9, hours=23)
    assert manual.name in {b.name for b in kept}
    assert 7 <= len(daily) <= 8 and all(last - b.created_at <= backups.DAILY_KEEP for b in daily)
    assert [b.name for b in kept] == sorted((b.name for b in kept), reverse=True)


def test_a_corrupt_backup_is_never_restored(tmp_path):
    data_dir = DataDir(tmp_path / "data").ensure()
    install_samples(data_dir)
    made = backups.create(data_dir, "manual", datetime(2026, 11, 1, tzinfo=UTC))
    (backups.backup_dir(data_dir) / made.name).write_text('{"version": "oops"}')
    current = data_dir.current_config.read_bytes()
    with pytest.raises(backups.BackupError) as refused:
        backups.restore(data_dir, made.name)
    assert refused.value.status == 422 and "not a valid configuration" in refused.value.message
    assert data_dir.current_config.read_bytes() == current
