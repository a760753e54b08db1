"""Restart the edge services and read their logs, through the narrow sudo rules of the image.

The agent runs as ``neopro``; ``image/files/sudoers.d-neopro`` lets it restart exactly the
three Neopro units and reboot. The command is a setting so a test (or a desktop without
systemd) can put its own in.
"""

from __future__ import annotations

import asyncio
import shlex

SERVICES = {
    "player": "neopro-player.service",
    "remote": "neopro-remote.service",
    "agent": "neopro-agent.service",
}


async def run_command(argv: list[str], *, timeout_s: float = 60.0) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return -9, f"{argv[0]} took more than {timeout_s:.0f} s and was stopped"
    return proc.returncode or 0, out.decode(errors="replace")[-4000:]


def unit_of(service: str) -> str:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}: one of {', '.join(SERVICES)}")
    return SERVICES[service]


async def restart(template: str, services: list[str]) -> tuple[int, str]:
    """Run the restart command once per service (the sudo rules allow one unit per call)."""
    outputs = []
    for service in services:
        argv = [part.replace("{service}", unit_of(service)) for part in shlex.split(template)]
        code, out = await run_command(argv)
        outputs.append(out)
        if code != 0:
            return code, f"restarting {service} failed ({code}): {out}"
    return 0, "".join(outputs)
