"""Media storage: the local directory and S3-compatible storage (moto's S3 server on loopback).

moto stands in for a real object store (AWS, MinIO...), which cannot run here; it speaks the
S3 protocol over real HTTP, so boto3, ranges and the whole upload path are exercised.
"""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from cloud_testkit import upload

from cloud_api.lib.storage import LocalStorage, S3Storage


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


def make_bucket(endpoint: str) -> str:
    name = f"neopro-{time.monotonic_ns()}"
    boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    ).create_bucket(Bucket=name)
    return name


async def read_all(storage, key: str, start: int, end: int) -> bytes:
    return b"".join([chunk async for chunk in storage.read(key, start, end)])


@pytest.mark.parametrize("kind", ["local", "s3"])
async def test_storage_round_trip_with_exact_ranges(kind, tmp_path, s3_endpoint):
    if kind == "local":
        storage = LocalStorage(tmp_path / "media")
    else:
        storage = S3Storage(
            make_bucket(s3_endpoint),
            endpoint_url=s3_endpoint,
            region="us-east-1",
            access_key="k",
            secret_key="s",
        )
    data = bytes(range(256)) * 2000
    source = tmp_path / "upload.part"
    source.write_bytes(data)
    await storage.put_file("media/abc.mp4", source, "video/mp4")
    assert await storage.size("media/abc.mp4") == len(data)
    assert await read_all(storage, "media/abc.mp4", 0, len(data) - 1) == data
    assert await read_all(storage, "media/abc.mp4", 1000, 300_000) == data[1000:300_001]
    await storage.delete("media/abc.mp4")
    assert await storage.size("media/abc.mp4") is None


def test_local_storage_refuses_keys_outside_its_directory(tmp_path):
    storage = LocalStorage(tmp_path / "media")
    with pytest.raises(ValueError):
        storage._path("../../etc/passwd")


@pytest.fixture
def settings(settings, s3_endpoint):
    """The app on S3-compatible storage instead of the local directory."""
    return dataclasses.replace(
        settings, storage="s3", s3_bucket=make_bucket(s3_endpoint), s3_endpoint_url=s3_endpoint,
        s3_access_key="k", s3_secret_key="s",
    )  # fmt: skip


async def test_upload_and_ranged_download_through_s3(cloud, world, clip):
    data = clip.read_bytes()
    media = (await upload(cloud.http, world.a.admin, clip)).json()["media"]
    part = await cloud.http.get(
        f"/device/v1/media/{media['id']}", headers={**world.a.device, "Range": "bytes=10-2009"}
    )
    assert part.status_code == 206 and part.content == data[10:2010]
    thumb = await cloud.http.get(f"/api/v1/media/{media['id']}/thumbnail", headers=world.a.admin)
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"
    assert not (cloud.settings.media_root / "media").exists()  # nothing went to the local directory
