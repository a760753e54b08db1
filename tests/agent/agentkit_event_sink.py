"""Where the fault suite's event batches land until the cloud has its ingest (issue 6).

It does what issue 6 specifies for ingest, no more: each event of a batch is checked
against the proof-of-play contract and stored once by its id (``INSERT OR IGNORE``), and
the answer counts accepted / duplicate / rejected. What it proves is the agent's side of
exactly-once: nothing lost, and duplicates (re-sent batches) absorbed by the id.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec
from aiohttp import web

from neopro.contracts import PlaybackError, ProofOfPlay


class EventSink:
    def __init__(self, db: Path) -> None:
        self.db = sqlite3.connect(db, isolation_level=None)
        self.db.execute("CREATE TABLE IF NOT EXISTS events (event_id TEXT PRIMARY KEY, body TEXT)")
        self.received = 0
        self.batches = 0
        self.app = web.Application(client_max_size=64 * 2**20)
        self.app.router.add_post("/device/v1/events", self.ingest)

    async def ingest(self, request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            raise web.HTTPUnauthorized()
        batch = msgspec.json.decode(await request.read())["events"]
        accepted = duplicate = 0
        rejected = []
        self.db.execute("BEGIN")
        for raw in batch:
            try:
                kind = PlaybackError if "reason" in raw else ProofOfPlay
                event = msgspec.convert(raw, kind)
            except msgspec.ValidationError as exc:
                rejected.append(str(exc))
                continue
            cur = self.db.execute(
                "INSERT OR IGNORE INTO events VALUES (?, ?)",
                (event.event_id, msgspec.json.encode(raw).decode()),
            )
            accepted += cur.rowcount
            duplicate += 1 - cur.rowcount
        self.db.execute("COMMIT")
        self.received += len(batch)
        self.batches += 1
        return web.json_response({"accepted": accepted, "duplicate": duplicate, "rejected": rejected})

    def stored_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT event_id FROM events")]
