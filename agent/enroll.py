"""``neopro agent enroll``: trade the one-time code for a device credential, once.

Called by a person at a terminal or by the image's first boot. The credential lands in
``device.json`` (mode 0600); a device that already has one refuses to enroll again unless
told to (``--force``), so a stray first-boot run cannot orphan a working device.
"""

from __future__ import annotations

import platform
import socket
import uuid
from datetime import UTC, datetime
from pathlib import Path

from neopro.contracts import device_api as api
from neopro.datadir import DataDir

from .cloud_client import CloudClient, make_session
from .device import DeviceIdentity, load_identity, save_identity
from .version import software_version


def hardware_facts() -> api.HardwareFacts:
    def read(path: str) -> str:
        try:
            return Path(path).read_text().strip("\x00 \n")[:200]
        except OSError:
            return ""

    serial = next(
        (
            line.split(":")[1].strip()
            for line in read("/proc/cpuinfo").splitlines()
            if line.startswith("Serial")
        ),
        "",
    )
    return api.HardwareFacts(
        model=read("/proc/device-tree/model") or platform.machine(),
        serial=serial or read("/etc/machine-id"),
        mac=":".join(f"{(uuid.getnode() >> s) & 0xFF:02x}" for s in range(40, -8, -8)),
        os=f"{platform.system()} {platform.release()}"[:200],
        software_version=software_version(),
        hostname=socket.gethostname()[:200],
    )


async def enroll(cloud_url: str, code: str, data: DataDir, *, force: bool = False) -> DeviceIdentity:
    existing = load_identity(data.device_json)
    if existing is not None and not force:
        raise RuntimeError(
            f"this device is already enrolled (site {existing.site_id}); use --force to enroll it again"
        )
    data.ensure()
    async with make_session() as session:
        client = CloudClient(cloud_url, None, session)
        answer = await client.enroll(api.EnrollRequest(code=code, hardware=hardware_facts()))
    identity = DeviceIdentity(
        cloud_url=cloud_url.rstrip("/"),
        site_id=answer.site_id,
        club_id=answer.club_id,
        device_id=answer.device_id,
        credential=answer.credential,
        heartbeat_interval_s=answer.heartbeat_interval_s,
        enrolled_at=datetime.now(UTC).isoformat(),
    )
    save_identity(data.device_json, identity)
    return identity
