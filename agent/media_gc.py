"""Garbage-collect media only after a new configuration is applied, and never what is on air.

What the applied configuration names stays; so does any file a process (the player) has
open right now, found through ``/proc/*/fd``: a clip the new configuration dropped may
still be finishing on the TV, and is collected by a later pass. Stale ``.part`` files of
media no longer wanted go too, and the temp files of writers killed mid-write. Nothing
outside ``media/`` is ever touched.
"""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

log = logging.getLogger("neopro.agent.media")

#: ``neopro.datadir.atomic_write``'s temp file: ``.<name>.<pid>.tmp``.
_ATOMIC_TMP = re.compile(r"^\..+\.(\d+)\.tmp$")


def _stale_temp(name: str) -> bool:
    """An ``atomic_write`` temp file whose writer is gone (killed mid-write): safe to delete."""
    match = _ATOMIC_TMP.match(name)
    return match is not None and not os.path.exists(f"/proc/{match.group(1)}")


def open_files_under(directory: Path) -> set[str]:
    """Names of files in ``directory`` that some process we can see holds open."""
    prefix = str(directory.resolve()) + os.sep
    names: set[str] = set()
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not pid.isdigit():
            continue
        fd_dir = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"{fd_dir}/{fd}")
            except OSError:
                continue
            if target.startswith(prefix):
                names.add(target[len(prefix) :])
    return names


def collect_garbage(
    media_dir: Path, keep: set[str], *, dropped: set[str] | frozenset[str] = frozenset(), grace_s: float = 0.0
) -> list[str]:
    """Delete files of ``media_dir`` the applied configuration no longer names; returns their names.

    ``dropped``: files the cloud named before and no longer does; they go at once. Any other
    unnamed file younger than ``grace_s`` stays for now: the hub puts a club upload under
    ``media/`` a moment before it files it in ``current.json``, and that moment must not
    cost the club its clip. A later pass collects it if it is never filed.
    """
    busy = open_files_under(media_dir)
    now = time.time()
    removed: list[str] = []
    for entry in os.scandir(media_dir):
        if not entry.is_file(follow_symlinks=False):
            continue
        name = entry.name
        base = name.removesuffix(".etag").removesuffix(".part")
        if base in keep or name in busy or (name.startswith(".") and not _stale_temp(name)):
            continue
        if grace_s and base not in dropped and not name.startswith("."):
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime < grace_s:
                    continue
            except FileNotFoundError:
                continue
        try:
            os.unlink(entry.path)
        except FileNotFoundError:
            continue
        removed.append(name)
    if removed:
        log.info("media GC: removed %d file(s) the applied configuration no longer names", len(removed))
    return sorted(removed)
