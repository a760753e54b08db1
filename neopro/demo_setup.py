"""What ``neopro demo`` does through the real interfaces: the cloud's admin API, the hub's store.

The demo club, its site, its sponsors, the sample clips in the cloud's media library and
the published configuration are made with the same HTTP calls the dashboard makes; their
ids are kept in ``demo.json`` so a second run reuses them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import msgspec

from neopro.contracts import SiteConfig, Sponsor
from neopro.datadir import DataDir


class CloudCallFailed(RuntimeError):
    pass


class DemoCloud:
    def __init__(self, base_url: str, state_file: Path, env: dict[str, str]) -> None:
        self.base = base_url.rstrip("/")
        self.state_file = state_file
        self.env = env
        self.token = ""
        self.state: dict[str, Any] = json.loads(state_file.read_text()) if state_file.exists() else {}

    # -- HTTP ---------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
             content_type: str = "application/json") -> Any:  # fmt: skip
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                text = resp.read()
        except urllib.error.HTTPError as exc:
            raise CloudCallFailed(
                f"{method} {path}: {exc.code} {exc.read().decode(errors='replace')}"
            ) from None
        return json.loads(text) if text else None

    def _save(self) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(self.state, indent=2))

    # -- the demo's club ----------------------------------------------------------------
    def prepare(self, email: str, password: str, samples: SiteConfig, edge: DataDir) -> str:
        """Admin, club, site, media, sponsors and a published configuration; returns the site id."""
        if not self.state.get("admin"):
            subprocess.run(
                [sys.executable, "-m", "neopro", "cloud", "create-admin", "--email", email,
                 "--password", password, "--name", "Demo admin"],
                env={**_os_env(), **self.env}, check=False, capture_output=True,
            )  # fmt: skip
            self.state["admin"] = email
        self.token = self.call("POST", "/api/v1/auth/login", {"email": email, "password": password})[
            "access_token"
        ]
        if not self.state.get("site_id"):
            club = self.call("POST", "/api/v1/clubs", {"name": samples.site.club_name})
            created = self.call(
                "POST", "/api/v1/sites", {"name": samples.site.site_name, "club_id": club["id"]}
            )
            self.state.update(club_id=club["id"], site_id=created["site"]["id"], published=False)
            self._save()
        if not self.state.get("published"):
            self._publish(samples, edge)
            self.state["published"] = True
            self._save()
        return self.state["site_id"]

    def _publish(self, samples: SiteConfig, edge: DataDir) -> None:
        club = self.state["club_id"]
        print("demo: uploading the sample clips to the cloud's media library…", flush=True)
        for video in samples.videos:
            path = edge.media_path(video.filename)
            self.call("POST", f"/api/v1/media?name={video.id}.mp4&club_id={club}", raw=path.read_bytes(),
                      content_type="video/mp4")  # fmt: skip
        sponsor_ids: dict[str, str] = {}
        for sponsor in samples.sponsors:
            made = self.call("POST", "/api/v1/sponsors", {"name": sponsor.name, "club_id": club})
            sponsor_ids[sponsor.id] = made["id"]
        config = msgspec.structs.replace(
            samples,
            site=msgspec.structs.replace(samples.site, id=self.state["site_id"]),
            sponsors=[Sponsor(id=sponsor_ids[s.id], name=s.name) for s in samples.sponsors],
            videos=[
                msgspec.structs.replace(v, sponsor_id=sponsor_ids.get(v.sponsor_id or ""))
                for v in samples.videos
            ],
        )
        site = self.state["site_id"]
        self.call("PUT", f"/api/v1/sites/{site}/config/draft", msgspec.to_builtins(config))
        self.call("POST", f"/api/v1/sites/{site}/config/publish", {"note": "demo: sample clips"})

    def enrollment_code(self, site_id: str) -> str:
        return self.call("POST", f"/api/v1/sites/{site_id}/enrollment-codes")["code"]


def set_hub_credentials(edge: DataDir, *, pin: str, password: str) -> None:
    """First-run setup of the hub with the demo's PIN and password (printed by the demo)."""
    from remote_web import set_credentials

    set_credentials(edge.state_db, pin=pin, password=password)


def _os_env() -> dict[str, str]:
    import os

    return dict(os.environ)
