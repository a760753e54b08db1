"""Which software this agent runs: the installed release's name, else the package version."""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path


def software_version(install_dir: Path | None = None) -> str:
    """The release ``current`` points at (``releases/<version>``), or the package's version."""
    current = (install_dir or Path(os.environ.get("NEOPRO_AGENT_INSTALL_DIR", "/opt/neopro"))) / "current"
    try:
        return os.readlink(current).rstrip("/").rsplit("/", 1)[-1]
    except OSError:
        pass
    try:
        return importlib.metadata.version("neopro")
    except importlib.metadata.PackageNotFoundError:
        return "dev"
