"""The player as a process: kill -9 mid-clip, clean stop, libmpv failure, systemd notify."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from player_helpers import outbox_rows, settings_for, until

from player import run_player

pytestmark = pytest.mark.slow


def spawn(data_dir, **env) -> subprocess.Popen:
    full_env = {**os.environ, "NEOPRO_HUB_URL": "ws://127.0.0.1:9/ws", "NEOPRO_PLAYER_VO": "null",
                "NEOPRO_PLAYER_AO": "null", "NEOPRO_DATA_DIR": str(data_dir.root), **env}  # fmt: skip
    full_env.pop("DISPLAY", None)
    neopro = Path(sys.executable).with_name("neopro")
    return subprocess.Popen([str(neopro), "player"], env=full_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip


def wait_for(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return value


def safe_rows(data_dir):
    try:
        return outbox_rows(data_dir)
    except sqlite3.OperationalError:  # not created yet
        return []


def test_kill_9_mid_clip_leaves_an_open_row_that_the_next_start_closes(site, data_dir):
    site()
    proc = spawn(data_dir, NEOPRO_PLAYER_CHECKPOINT_S="0.5")
    try:
        wait_for(lambda: safe_rows(data_dir))
        time.sleep(1.3)  # into the 2 s clip, past two checkpoints
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    conn = sqlite3.connect(data_dir.state_db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    rows = safe_rows(data_dir)
    kind, closed, first = rows[0]
    assert (kind, closed, first.media_id, first.completed) == ("proof_of_play", False, "spot-a", False)
    assert first.ended_at is None

    again = spawn(data_dir)
    try:
        wait_for(lambda: len(safe_rows(data_dir)) >= 2)
        again.send_signal(signal.SIGTERM)
        assert again.wait(15) == 0
    finally:
        again.kill()
    rows = safe_rows(data_dir)
    kind, closed, first = rows[0]
    assert closed and first.media_id == "spot-a" and first.completed is False
    assert first.interrupted_by == "shutdown"
    # the last checkpoint bounds what was lost: at most one interval (0.5 s) below the ~1.3 s on screen
    assert 0.6 <= first.seconds_on_screen <= 1.5
    # a sponsor report needs an end: the last checkpoint, on the start's clocks
    assert first.ended_at is not None and first.ended_mono_ns is not None
    assert (first.ended_at - first.started_at).total_seconds() == pytest.approx(first.seconds_on_screen)
    assert (first.ended_mono_ns - first.started_mono_ns) / 1e9 == pytest.approx(first.seconds_on_screen)
    # the clean stop closed its own row too: nothing is left open
    assert all(closed for _, closed, _ in rows)
    conn = sqlite3.connect(data_dir.state_db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


async def test_libmpv_failure_ends_the_process_non_zero(site, data_dir):
    site()
    started = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_player(settings_for(data_dir), stop=asyncio.Event(), started=started))
    player = await asyncio.wait_for(started, 10)
    await until(lambda: player.segment is not None)
    player.engine.mpv.command("quit")  # libmpv's core goes away under the player
    assert await asyncio.wait_for(task, 10) == 1


def test_bad_video_output_fails_at_start_non_zero(site, data_dir):
    site()
    proc = spawn(data_dir, NEOPRO_PLAYER_VO="no-such-output")
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert b"the video output could not start" in err


def test_ready_and_watchdog_are_sent_to_systemd(site, data_dir, tmp_path):
    site()
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(15)
    proc = spawn(data_dir, NOTIFY_SOCKET=str(path), WATCHDOG_USEC="1000000")
    try:
        got = []
        while "WATCHDOG=1" not in got:
            got.append(sock.recv(256).decode())
        assert got[0] == "READY=1"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        proc.kill()
        sock.close()
