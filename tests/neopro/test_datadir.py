from __future__ import annotations

import threading
import time

import pytest

from neopro.datadir import DataDir, atomic_write


def test_config_lock_serialises_read_modify_write_between_writers(data_dir: DataDir):
    atomic_write(data_dir.current_config, b"0")
    order: list[str] = []

    def bump(name: str) -> None:
        with data_dir.config_lock():
            value = int(data_dir.current_config.read_bytes())
            order.append(f"{name} read {value}")
            time.sleep(0.05)  # the other writer tries to get in here
            atomic_write(data_dir.current_config, str(value + 1).encode())

    threads = [threading.Thread(target=bump, args=(n,)) for n in ("agent", "hub")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert data_dir.current_config.read_bytes() == b"2"  # neither write was lost
    assert sorted(o.split()[-1] for o in order) == ["0", "1"]


@pytest.mark.parametrize("name", ["../x.mp4", "a/b.mp4", ".hidden", ""])
def test_media_path_refuses_anything_but_a_bare_name(data_dir: DataDir, name: str):
    with pytest.raises(ValueError):
        data_dir.media_path(name)
