"""``neopro remote`` as systemd runs it: READY once listening, watchdog pings, clean stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

import aiohttp


async def test_the_hub_process_tells_systemd_it_is_ready_pings_the_watchdog_and_stops_on_sigterm(
    data_dir, tmp_path
):
    notify_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify_path))
    sock.setblocking(False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "neopro", "remote", "--host", "127.0.0.1", "--port", str(port),
        "--data-dir", str(data_dir.root),
        env={**os.environ, "NOTIFY_SOCKET": str(notify_path), "WATCHDOG_USEC": "400000"},
    )  # fmt: skip
    loop = asyncio.get_running_loop()
    try:
        states: list[str] = []
        while states.count("WATCHDOG=1") < 2:
            states.append((await asyncio.wait_for(loop.sock_recv(sock, 256), 15)).decode())
        assert states[0] == "READY=1"
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/") as r:
            assert r.url.path == "/setup"  # listening before it said READY
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 15) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        sock.close()


async def test_neopro_remote_setup_code_prints_the_code_for_someone_on_ssh(fresh_hub):
    data_dir = fresh_hub.settings.data_dir

    async def cli() -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "neopro", "remote", "setup-code", "--data-dir", str(data_dir.root),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        return proc.returncode, out.decode(), err.decode()

    code = fresh_hub.setup_code()
    assert await cli() == (0, f"Setup code: {code[:3]} {code[3:]}\n", "")
    await fresh_hub.setup()
    status, out, err = await cli()
    assert status == 1 and out == "" and "already set up" in err
