"""Commands: a type this agent does not know fails with a reason; a command is never run twice."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import aiohttp
from agentkit_media_server import MediaOrigin

from agent.cloud_client import CloudClient
from agent.command_log import CommandLog
from agent.commands import CommandRunner, Handler
from neopro.datadir import DataDir

Origin = tuple[MediaOrigin, str]


def _raw(command_id: str, type_: str, **args: Any) -> dict[str, Any]:
    return {
        "id": command_id, "type": type_, "args": args, "status": "sent",
        "created_at": datetime.now(UTC).isoformat(),
    }  # fmt: skip


def _recording_sync(applied: int, takes_s: float = 0.0) -> tuple[list[dict[str, Any]], Handler]:
    """A sync_now handler that records each run's args and reports ``applied``."""
    runs: list[dict[str, Any]] = []

    async def sync_now(args: dict[str, Any]) -> dict[str, Any]:
        runs.append(args)
        await asyncio.sleep(takes_s)
        return {"applied_config_version": applied}

    return runs, sync_now


async def test_an_unknown_command_fails_with_a_reason_and_a_known_one_runs_once(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession
) -> None:
    origin, url = media_origin
    runs, sync_now = _recording_sync(applied=4, takes_s=0.05)

    log = CommandLog(data_dir.state_db)
    runner = CommandRunner(CloudClient(url, "dev-1.secret", http), log, {"sync_now": sync_now})
    await runner.receive_raw(_raw("c-unknown", "format_disk"))
    # Push and poll deliver the same command at once: it runs once.
    await asyncio.gather(
        runner.receive_raw(_raw("c-sync", "sync_now")), runner.receive_raw(_raw("c-sync", "sync_now"))
    )
    assert len(runs) == 1
    results = {cid: json.loads(body) for cid, what, body in origin.command_calls if what == "result"}
    assert results["c-unknown"]["status"] == "failed"
    assert "unknown or malformed command 'format_disk'" in results["c-unknown"]["error"]
    assert results["c-sync"] == {
        "status": "succeeded",
        "result": {"applied_config_version": 4},
        "error": None,
    }
    assert [c for c, what, _ in origin.command_calls if what == "ack"] == ["c-sync"]
    assert await log.unreported() == []
    log.close()


async def test_polled_commands_are_decoded_with_the_contract_and_an_unknown_one_still_gets_a_result(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession
) -> None:
    origin, url = media_origin
    runs, sync_now = _recording_sync(applied=5)

    origin.commands_body = json.dumps(
        {"commands": [_raw("p-unknown", "format_disk"), _raw("p-sync", "sync_now")]}
    ).encode()
    client = CloudClient(url, "dev-1.secret", http)
    readable, unreadable = await client.commands()
    assert [c.id for c in readable] == ["p-sync"] and [r["id"] for r in unreadable] == ["p-unknown"]

    log = CommandLog(data_dir.state_db)
    runner = CommandRunner(client, log, {"sync_now": sync_now})
    assert await runner.poll_once() == 2
    assert await runner.poll_once() == 2  # listed again (not acknowledged yet by the cloud): run once
    assert runs == [{}]
    results = {cid: json.loads(body) for cid, what, body in origin.command_calls if what == "result"}
    assert results["p-sync"]["status"] == "succeeded"
    assert results["p-unknown"]["status"] == "failed" and "format_disk" in results["p-unknown"]["error"]
    log.close()
