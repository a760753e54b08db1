"""One error type for every contract: which field, what was wrong."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `(?P<path>[^`]*)`)?$", re.DOTALL)


class ContractError(ValueError):
    """A document or message broke its contract.

    ``field`` is a JSON path such as ``$.categories[0].videos[2]`` (``$`` for the
    whole document); ``reason`` says what was expected, in words a person can act on.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}

    @classmethod
    def from_msgspec(cls, exc: msgspec.MsgspecError) -> ContractError:
        match = _AT.match(str(exc))
        assert match is not None  # the pattern matches any string
        return cls(match.group("path") or "$", _plain(match.group("msg")))


_REGEX = re.compile(r"Expected `str` matching regex '(?P<pattern>.*)'$")
#: Friendly words for the patterns of :mod:`._types`, filled in there.
PATTERN_WORDS: dict[str, str] = {}


def _plain(message: str) -> str:
    """msgspec says "matching regex '^[0-9a-f]{64}$'"; a person wants to read what it means."""
    match = _REGEX.match(message)
    if match and match.group("pattern") in PATTERN_WORDS:
        return f"Expected {PATTERN_WORDS[match.group('pattern')]}"
    return message


def decode_json(data: bytes | str, type_: type[T], *, decoder: Any = None) -> T:
    """Decode JSON into a contract type, raising :class:`ContractError` on any fault."""
    try:
        if decoder is not None:
            return decoder.decode(data)
        return msgspec.json.decode(data, type=type_)
    except msgspec.ValidationError as exc:  # a subclass of DecodeError: first
        raise ContractError.from_msgspec(exc) from None
    except msgspec.DecodeError as exc:
        raise ContractError("$", f"not valid JSON: {exc}") from None


def convert(obj: Any, type_: type[T]) -> T:
    """Convert already-parsed builtins (a dict from a form or a DB row) into a contract type."""
    try:
        return msgspec.convert(obj, type=type_)
    except msgspec.ValidationError as exc:
        raise ContractError.from_msgspec(exc) from None
