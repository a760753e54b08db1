"""Durable local state: the outbox as the agent drains it, the command log, the buffer bound."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from agentkit_outbox import write_events

from agent.buffer import MIN_CAPACITY_EVENTS, check_buffer
from agent.command_log import INTERRUPTED, CommandLog
from agent.outbox import Outbox
from neopro.datadir import DataDir


async def test_outbox_reads_closed_rows_in_write_order_and_never_open_ones(data_dir: DataDir) -> None:
    closed_first = write_events(data_dir.state_db, 3)
    write_events(data_dir.state_db, 2, closed=False)  # still on air
    closed_later = write_events(data_dir.state_db, 2)
    outbox = Outbox(data_dir.state_db)
    batch = await outbox.next_batch(limit=100)
    assert [r.event_id for r in batch] == closed_first + closed_later
    assert await outbox.backlog() == 7
    outbox.close()


async def test_outbox_batches_are_bounded_and_deletion_removes_only_what_was_sent(data_dir: DataDir) -> None:
    ids = write_events(data_dir.state_db, 10)
    outbox = Outbox(data_dir.state_db)
    batch = await outbox.next_batch(limit=4)
    assert [r.event_id for r in batch] == ids[:4]
    newer = write_events(data_dir.state_db, 3)  # the player goes on writing meanwhile
    assert await outbox.delete_sent(batch) == 4
    rest = await outbox.next_batch(limit=100)
    assert [r.event_id for r in rest] == ids[4:] + newer
    outbox.close()


async def test_outbox_keeps_a_batch_that_was_not_acknowledged(data_dir: DataDir) -> None:
    ids = write_events(data_dir.state_db, 5)
    outbox = Outbox(data_dir.state_db)
    first = await outbox.next_batch(limit=5)
    again = await outbox.next_batch(limit=5)  # no 2xx came: nothing deleted, same batch
    assert [r.event_id for r in first] == [r.event_id for r in again] == ids
    outbox.close()


async def test_command_runs_once_even_after_the_agent_is_killed_while_it_runs(data_dir: DataDir) -> None:
    # A real process claims the command, then dies by SIGKILL before finishing it.
    code = (
        "import asyncio, sys, time\n"
        "from pathlib import Path\n"
        "from agent.command_log import CommandLog\n"
        "async def main():\n"
        "    log = CommandLog(Path(sys.argv[1]))\n"
        "    assert await log.claim('cmd-1', 'reboot', {'delay_s': 0})\n"
        "    print('claimed', flush=True)\n"
        "    time.sleep(60)\n"
        "asyncio.run(main())\n"
    )
    proc = subprocess.Popen(  # noqa: ASYNC220 - a real process to kill, on purpose
        [sys.executable, "-c", code, str(data_dir.state_db)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "claimed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)

    log = CommandLog(data_dir.state_db)
    assert await log.recover() == 1
    assert not await log.claim("cmd-1", "reboot", {"delay_s": 0}), (
        "a command seen before must never run again"
    )
    logged = await log.get("cmd-1")
    assert logged is not None and logged.state == "failed"
    assert logged.result == {"error": INTERRUPTED}
    assert [c.command_id for c in await log.unreported()] == ["cmd-1"]
    await log.mark_reported("cmd-1")
    assert await log.unreported() == []
    log.close()


async def test_a_finished_command_stays_unreported_until_the_cloud_has_its_result(data_dir: DataDir) -> None:
    log = CommandLog(data_dir.state_db)
    assert await log.claim("c2", "get_system_info", {})
    assert await log.unreported() == []  # still running: nothing to report yet
    await log.finish("c2", True, {"uptime_s": 12})
    log.close()
    reopened = CommandLog(data_dir.state_db)  # the result survives a restart
    [pending] = await reopened.unreported()
    assert (pending.command_id, pending.state, pending.result) == ("c2", "succeeded", {"uptime_s": 12})
    assert await reopened.recover(keep_kinds=("update_software",)) == 0
    reopened.close()


def test_buffer_warns_well_before_its_bound_and_never_asks_to_drop(data_dir: DataDir) -> None:
    big = 10 * 2**30
    assert check_buffer(1_000, data_dir.state_db, free_bytes=big).level == "ok"
    warn = check_buffer(170_000, data_dir.state_db, free_bytes=big)
    assert warn.level == "warning" and "170000 of 200000" in warn.message
    full = check_buffer(200_000, data_dir.state_db, free_bytes=big)
    assert full.level == "critical" and "nothing is dropped" in full.message
    low_disk = check_buffer(10, data_dir.state_db, free_bytes=50 * 2**20)
    assert low_disk.level == "warning" and "free disk space" in low_disk.message


def test_buffer_bound_cannot_be_set_below_thirty_days_of_events(data_dir: DataDir) -> None:
    with pytest.raises(ValueError, match="30 days"):
        check_buffer(0, data_dir.state_db, capacity=MIN_CAPACITY_EVENTS - 1)
