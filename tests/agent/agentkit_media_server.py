"""A small HTTP media origin for the downloader's own tests (Range, If-Range, strong ETag).

It stands where the cloud's media endpoint will be, so the downloader's rules (resume,
verify, refuse) can be proven byte by byte, including answers no honest cloud gives.
The end-to-end and fault suites use the real cloud process instead.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Blob:
    data: bytes
    etag: str = ""
    #: Serve only the first N body bytes of the next answers, then drop the connection.
    cut_after: list[int] = field(default_factory=list)
    #: Lie about the length (Content-Length), to test absurd-size refusal.
    claimed_length: int | None = None
    #: Announce no length at all (chunked), so only the running total can tell the size.
    chunked: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class MediaOrigin:
    def __init__(self) -> None:
        self.blobs: dict[str, Blob] = {}
        self.requests: list[dict[str, str]] = []
        self.body_bytes_sent = 0
        self.app = web.Application()
        self.app.router.add_get("/media/{name}", self.serve)
        self.app.router.add_get("/device/v1/media/{name}", self.serve)
        self.app.router.add_get("/device/v1/manifest", self.manifest)
        self.app.router.add_post("/device/v1/heartbeat", self.heartbeat)
        self.heartbeats: list[bytes] = []
        self.app.router.add_post("/device/v1/commands/{id}/{what}", self.command_call)
        self.app.router.add_get("/device/v1/commands", self.command_list)
        #: What GET /device/v1/commands answers (raw, as the cloud would send it).
        self.commands_body = b'{"commands":[]}'
        #: (command id, "ack" | "result", body) in arrival order.
        self.command_calls: list[tuple[str, str, bytes]] = []
        #: The manifest to answer with (raw bytes, so tests can send malformed ones).
        self.manifest_body: bytes | None = None
        self.manifest_requests: list[str | None] = []

    def add(self, data: bytes, *, key: str | None = None, **kw: object) -> Blob:
        blob = Blob(data, **kw)  # type: ignore[arg-type]
        blob.etag = blob.etag or f'"{blob.sha256}"'
        self.blobs[key or blob.sha256] = blob
        return blob

    async def command_list(self, request: web.Request) -> web.Response:
        return web.Response(body=self.commands_body, content_type="application/json")

    async def command_call(self, request: web.Request) -> web.Response:
        self.command_calls.append(
            (request.match_info["id"], request.match_info["what"], await request.read())
        )
        return web.json_response({})

    async def heartbeat(self, request: web.Request) -> web.Response:
        self.heartbeats.append(await request.read())
        return web.Response(status=204)

    async def manifest(self, request: web.Request) -> web.Response:
        self.manifest_requests.append(request.headers.get("If-None-Match"))
        if self.manifest_body is None:
            raise web.HTTPServiceUnavailable()
        etag = '"' + hashlib.sha256(self.manifest_body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=self.manifest_body, content_type="application/json", headers={"ETag": etag})

    async def serve(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(dict(request.headers))
        blob = self.blobs.get(request.match_info["name"])
        if blob is None:
            raise web.HTTPNotFound()
        start, status = 0, 200
        rng = request.headers.get("Range")
        if rng and request.headers.get("If-Range", blob.etag) == blob.etag:
            match = re.match(r"bytes=(\d+)-$", rng)
            assert match, rng
            start, status = int(match.group(1)), 206
            if start >= len(blob.data):
                raise web.HTTPRequestRangeNotSatisfiable()
        body = blob.data[start:]
        resp = web.StreamResponse(status=status)
        resp.headers["ETag"] = blob.etag
        resp.headers["Accept-Ranges"] = "bytes"
        if not blob.chunked:
            resp.content_length = blob.claimed_length if blob.claimed_length is not None else len(body)
        if status == 206:
            resp.headers["Content-Range"] = f"bytes {start}-{len(blob.data) - 1}/{len(blob.data)}"
        await resp.prepare(request)
        if blob.cut_after:
            limit = blob.cut_after.pop(0)
            await resp.write(body[:limit])
            self.body_bytes_sent += limit
            assert request.transport is not None
            request.transport.close()  # flushes what was written, then drops: a body cut mid-way
            return resp
        for i in range(0, len(body), 64 * 1024):
            await resp.write(body[i : i + 64 * 1024])
        self.body_bytes_sent += len(body)
        await resp.write_eof()
        return resp
