"""Where media bytes live, behind one small interface: a local directory or S3-compatible storage.

Keys are content-addressed (``media/<sha256>.<ext>``, ``thumbs/<sha256>.jpg``), so a key is
never derived from a user's file name and the same bytes are stored once.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

CHUNK = 256 * 1024


class Storage(Protocol):
    async def put_file(self, key: str, path: Path, content_type: str) -> None: ...
    async def size(self, key: str) -> int | None: ...
    def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        """Bytes ``start..end`` inclusive."""
        ...

    async def delete(self, key: str) -> None: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"storage key escapes the media directory: {key!r}")
        return path

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        def move() -> None:
            target = self._path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "rb") as f:
                os.fsync(f.fileno())
            shutil.move(path, target)

        await asyncio.to_thread(move)

    async def size(self, key: str) -> int | None:
        try:
            return (await asyncio.to_thread(self._path(key).stat)).st_size
        except FileNotFoundError:
            return None

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        f = await asyncio.to_thread(open, self._path(key), "rb")
        try:
            await asyncio.to_thread(f.seek, start)
            left = end - start + 1
            while left > 0:
                chunk = await asyncio.to_thread(f.read, min(CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                yield chunk
        finally:
            f.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


class S3Storage:
    """Any S3-compatible store (AWS, MinIO, Scaleway, ...) through boto3, called in threads."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None,
        region: str,
        access_key: str | None,
        secret_key: str | None,
    ) -> None:
        import boto3  # only where S3 is configured

        self.bucket = bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
        )

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.upload_file, str(path), self.bucket, key, ExtraArgs={"ContentType": content_type}
        )
        await asyncio.to_thread(path.unlink, missing_ok=True)

    async def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            head = await asyncio.to_thread(self.client.head_object, Bucket=self.bucket, Key=key)
        except ClientError:
            return None
        return int(head["ContentLength"])

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        obj = await asyncio.to_thread(
            self.client.get_object, Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end}"
        )
        body = obj["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, CHUNK):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=key)


def make_storage(settings: object) -> Storage:
    from .settings import Settings

    assert isinstance(settings, Settings)
    if settings.storage == "s3":
        if not settings.s3_bucket:
            raise ValueError("NEOPRO_STORAGE=s3 needs NEOPRO_S3_BUCKET")
        return S3Storage(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
        )
    if settings.storage != "local":
        raise ValueError(f"NEOPRO_STORAGE={settings.storage!r}: use 'local' or 's3'")
    return LocalStorage(settings.media_root)
