"""Send a stored media file: strong ETag (the sha256), ``Range`` and ``If-Range``."""

from __future__ import annotations

from litestar import Request, Response
from litestar.response import Stream

from cloud_api.db.models import Media
from cloud_api.lib.ranges import Unsatisfiable, requested_range
from cloud_api.lib.storage import Storage

CONTENT_TYPES = {
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "mov": "video/quicktime",
    "mkv": "video/x-matroska",
    "webm": "video/webm",
}


def etag_of(media: Media) -> str:
    return f'"{media.sha256}"'


async def send_media(request: Request, storage: Storage, media: Media) -> Response:
    etag = etag_of(media)
    size = media.size
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=31536000, immutable",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(content=b"", status_code=304, headers=headers)
    try:
        wanted = requested_range(request.headers.get("range"), request.headers.get("if-range"), etag, size)
    except Unsatisfiable:
        return Response(content=b"", status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    media_type = CONTENT_TYPES.get(media.ext, "application/octet-stream")
    if wanted is None:
        body = storage.read(media.storage_key, 0, size - 1) if size else _empty()
        return Stream(
            body, status_code=200, media_type=media_type, headers={**headers, "Content-Length": str(size)}
        )
    return Stream(
        storage.read(media.storage_key, wanted.start, wanted.end),
        status_code=206,
        media_type=media_type,
        headers={
            **headers,
            "Content-Length": str(wanted.length),
            "Content-Range": f"bytes {wanted.start}-{wanted.end}/{size}",
        },
    )


async def _empty():  # type: ignore[no-untyped-def]
    if False:
        yield b""
