"""``neopro cloud``: from an empty data directory to a signed-in platform admin, as an operator does it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx


def test_create_admin_then_serve_from_an_empty_sqlite_data_dir(tmp_path):
    env = {**os.environ, "NEOPRO_CLOUD_DATA_DIR": str(tmp_path / "cloud"), "NEOPRO_LOG_JSON": "1"}
    env.pop("NEOPRO_DATABASE_URL", None)
    made = subprocess.run(
        [sys.executable, "-m", "neopro", "cloud", "create-admin", "--email", "boss@example.org", "--password", "a-long-password"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "platform admin boss@example.org created" in made.stdout
    assert (tmp_path / "cloud" / "cloud.db").exists() and (tmp_path / "cloud" / "jwt.secret").exists()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with open(tmp_path / "server.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "neopro", "cloud", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/ready").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        r = httpx.post(
            f"{url}/api/v1/auth/login", json={"email": "boss@example.org", "password": "a-long-password"}
        )
        assert r.status_code == 200
        me = httpx.get(
            f"{url}/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
        )
        assert me.json()["role"] == "platform_admin"
    finally:
        server.terminate()
        server.wait(10)
    lines = (tmp_path / "server.log").read_text().splitlines()
    assert lines and all(line.startswith("{") for line in lines if line.strip()), "logs are JSON lines"


def test_the_generated_jwt_key_is_private_and_a_short_key_refuses_to_start(tmp_path, monkeypatch):
    from cloud_api.lib.settings import Settings

    env = {**os.environ, "NEOPRO_CLOUD_DATA_DIR": str(tmp_path / "cloud")}
    env.pop("NEOPRO_JWT_SECRET", None)
    key = tmp_path / "cloud" / "jwt.secret"
    monkeypatch.setenv("NEOPRO_CLOUD_DATA_DIR", env["NEOPRO_CLOUD_DATA_DIR"])
    monkeypatch.delenv("NEOPRO_JWT_SECRET", raising=False)
    first = Settings.from_env()
    assert key.stat().st_mode & 0o777 == 0o600 and len(first.jwt_secret) >= 32
    assert Settings.from_env().jwt_secret == first.jwt_secret  # kept across restarts
    assert [p.name for p in key.parent.iterdir()] == ["jwt.secret"]  # no temp file left behind

    # An empty key file (a crash at first start before the fix) or a short key: refused, with what to do.
    key.write_text("")
    for extra, size in (({}, 0), ({"NEOPRO_JWT_SECRET": "too-short"}, 9)):
        done = subprocess.run(
            [sys.executable, "-m", "neopro", "cloud", "migrate"], env={**env, **extra},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert f"the JWT key is {size} bytes, it must be at least 32" in done.stderr
    assert not (tmp_path / "cloud" / "cloud.db").exists()
