"""One sha256 rule: the contract's, also for bare strings (command args, media names)."""

from __future__ import annotations

import hashlib

import msgspec

from neopro.contracts import Sha256, is_sha256


def test_is_sha256_is_the_contracts_rule_and_refuses_look_alikes() -> None:
    good = hashlib.sha256(b"x").hexdigest()
    assert is_sha256(good) and msgspec.convert(good, type=Sha256) == good
    for bad in (good.upper(), good[:-1], good + "0", good + "\n", "../" + good[3:], ""):
        assert not is_sha256(bad), bad
