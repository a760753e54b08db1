"""``neopro demo``: the whole stack on this machine, on its embedded defaults.

The cloud API on an SQLite file; a demo club and site created through the API; the sample
clips uploaded to the cloud's media library and published as the site's configuration;
an agent enrolled with the site's one-time code, which syncs that configuration down; the
hub and the player (a window when there is a display, headless otherwise). Everything
lives under one directory (``data/demo`` by default), so a second run starts at once and
``--fresh`` starts over. Ctrl-C stops everything cleanly.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

DEMO_ADMIN_EMAIL = "admin@neopro.demo"
DEMO_ADMIN_PASSWORD = "neopro-demo-admin"  # printed on screen: this is a local demo
DEMO_PIN = "1234"
DEMO_CLUB_PASSWORD = "neopro-demo"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", type=Path, default=Path("data/demo"), help="where the demo keeps its state")
    parser.add_argument("--cloud-port", type=int, default=8000)
    parser.add_argument("--hub-port", type=int, default=8080)
    parser.add_argument("--headless", action="store_true", help="no window even when a display exists")
    parser.add_argument("--fresh", action="store_true", help="forget the previous demo's state first")
    parser.add_argument("--size", default="1920x1080", help="sample clips' size (WIDTHxHEIGHT)")
    parser.add_argument(
        "--exit-after", type=float, default=0, help="stop by itself after this many seconds (for smoke tests)"
    )


def run(args: argparse.Namespace) -> int:
    from neopro.datadir import DataDir
    from neopro.media.samples import install_samples
    from neopro.supervisor import Child, Supervisor, wait_for_port

    from .demo_setup import DemoCloud, set_hub_credentials

    root: Path = args.dir.resolve()
    if args.fresh and root.exists():
        shutil.rmtree(root)
    edge = DataDir(root / "edge").ensure()
    cloud_dir = root / "cloud"
    neopro = [sys.executable, "-m", "neopro"]
    cloud_url = f"http://127.0.0.1:{args.cloud_port}"
    hub_url = f"http://127.0.0.1:{args.hub_port}"
    cloud_env = {"NEOPRO_CLOUD_DATA_DIR": str(cloud_dir), "NEOPRO_LOG_JSON": "0"}
    edge_env = {
        "NEOPRO_DATA_DIR": str(edge.root),
        "NEOPRO_REMOTE_URL": hub_url + "/",  # the idle screen's QR code
        "NEOPRO_AGENT_HUB_URL": hub_url,
    }

    width, _, height = args.size.partition("x")
    print("demo: preparing the sample clips (generated once, then cached)…", flush=True)
    samples = install_samples(edge, width=int(width), height=int(height), write_config=False)

    with Supervisor() as sup:
        sup.start(Child("cloud", [*neopro, "cloud", "--port", str(args.cloud_port)], env=cloud_env))
        wait_for_port(args.cloud_port, timeout=60)
        cloud = DemoCloud(cloud_url, root / "demo.json", cloud_env)
        site = cloud.prepare(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, samples, edge)

        if not edge.device_json.exists():
            code = cloud.enrollment_code(site)
            enroll = Child("enroll", [*neopro, "agent", "enroll", "--cloud", cloud_url, "--code", code],
                           env=edge_env)  # fmt: skip
            sup.start(enroll)
            assert enroll.proc is not None
            if enroll.proc.wait(60) != 0:
                print("demo: enrollment failed (see above)", file=sys.stderr)
                return 1

        set_hub_credentials(edge, pin=DEMO_PIN, password=DEMO_CLUB_PASSWORD)
        sup.start(Child("hub", [*neopro, "remote", "--port", str(args.hub_port)], env=edge_env))
        wait_for_port(args.hub_port, timeout=30)
        sup.start(Child("agent", [*neopro, "agent", "run"], env=edge_env))
        windowed = bool(os.environ.get("DISPLAY")) and not args.headless
        player = [*neopro, "player", "--hub-url", f"ws://127.0.0.1:{args.hub_port}/ws"]
        player += ["--window"] if windowed else ["--vo", "null"]
        sup.start(Child("player", player, env=edge_env))

        where = f"a window on {os.environ['DISPLAY']}" if windowed else "headless (vo=null)"
        print(
            "\n"
            "  Neopro demo is running.\n"
            f"  Phone remote   {hub_url}/          PIN {DEMO_PIN}\n"
            f"  Local admin    {hub_url}/admin     password {DEMO_CLUB_PASSWORD}\n"
            f"  Dashboard      {cloud_url}/dashboard/  {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}\n"
            f"  Cloud API docs {cloud_url}/schema  {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}\n"
            f"  Player         {where}\n"
            f"  Data           {root}\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )
        deadline = time.monotonic() + args.exit_after if args.exit_after else None
        try:
            while not sup.dead() or [c.name for c in sup.dead()] == ["enroll"]:
                if deadline is not None and time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("\ndemo: stopping…", flush=True)
            return 0
        dead = [c for c in sup.dead() if c.name != "enroll"]
        if dead:
            names = ", ".join(f"{c.name} (exit {c.proc.returncode})" for c in dead if c.proc)
            print(f"demo: {names} stopped; stopping the rest", file=sys.stderr)
            return 1
    return 0
