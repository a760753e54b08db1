"""A phone taps "Goal" and the real player (its own process, libmpv with vo=null) plays it.

Real parts end to end: Chromium at 360 px -> the hub (aiohttp) -> ``neopro player`` over a
websocket -> libmpv -> the proof-of-play row in ``state.db``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys

import msgspec
import pytest
from playwright.async_api import expect

from neopro.contracts import ProofOfPlay, Trigger
from remote_web.keys import HUB

from .browser import chromium, log_in, phone
from .conftest import PIN

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@contextlib.asynccontextmanager
async def real_player(hub):
    data_dir = hub.settings.data_dir
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "neopro", "player", "--data-dir", str(data_dir.root),
        "--hub-url", hub.ws_url, "--vo", "null",
        env={**os.environ, "NEOPRO_DATA_DIR": str(data_dir.root), "DISPLAY": ""},
    )  # fmt: skip
    try:
        for _ in range(200):  # the player says hello and starts its loop
            if hub.app[HUB].player is not None and hub.app[HUB].player_status.on_air is not None:
                break
            assert proc.returncode is None, "the player exited"
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the player did not connect to the hub")
        yield proc
    finally:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def proof_of_play_rows(hub) -> list[ProofOfPlay]:
    conn = sqlite3.connect(hub.settings.data_dir.state_db)
    try:
        rows = conn.execute("SELECT body FROM outbox WHERE kind = 'proof_of_play' ORDER BY rowid").fetchall()
    finally:
        conn.close()
    return [msgspec.json.decode(body, type=ProofOfPlay) for (body,) in rows]


async def test_goal_tapped_on_a_phone_is_played_by_the_real_player_and_recorded(hub):
    async with real_player(hub), chromium() as browser:
        ctx, page = await phone(browser, hub.url)
        await log_in(page, PIN)
        await page.wait_for_selector("#link.up")
        for _ in range(2):
            await page.locator(".team[data-team=home] button[data-delta='1']").tap()
        await expect(page.locator("#home-score")).to_have_text("2")

        await page.locator("button.cat[data-category=goal]").tap()
        await page.wait_for_selector("button.cat[data-category=goal].confirmed")
        await expect(page.locator("#onair-title")).to_have_text("BUT ! GOAL !")

        status = hub.app[HUB].player_status  # what the player itself reported
        assert status.on_air is not None and status.on_air.video_id == "goal"
        assert status.on_air.trigger == Trigger.REMOTE and status.on_air.category_id == "goal"

        goal_rows = []
        for _ in range(50):
            goal_rows = [r for r in proof_of_play_rows(hub) if r.media_id == "goal"]
            if goal_rows:
                break
            await asyncio.sleep(0.1)
        assert len(goal_rows) == 1
        row = goal_rows[0]
        assert (row.trigger, row.category_id) == (Trigger.REMOTE, "goal")
        assert (row.score_home, row.score_away) == (2, 0)  # the hub's score reached the player
        assert page.js_errors == []
        await ctx.close()
