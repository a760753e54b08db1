"""Shared fixtures: real parts only (see README, "Tests")."""

from __future__ import annotations

from pathlib import Path

import pytest

from neopro.datadir import DataDir


@pytest.fixture
def data_dir(tmp_path: Path) -> DataDir:
    return DataDir(tmp_path / "neopro").ensure()
