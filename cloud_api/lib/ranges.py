"""HTTP byte ranges (RFC 9110 §14): one range per request, ``If-Range`` with a strong ETag.

A Pi resuming a half-downloaded clip asks for ``bytes=N-`` with ``If-Range: "<sha256>"``: if
the file changed meanwhile it gets the whole new file (200) instead of a spliced one.
"""

from __future__ import annotations

from dataclasses import dataclass


class Unsatisfiable(ValueError):
    pass


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def requested_range(range_header: str | None, if_range: str | None, etag: str, size: int) -> ByteRange | None:
    """The one range to serve, or None for the whole body; raises :class:`Unsatisfiable` (416)."""
    if not range_header:
        return None
    if if_range is not None and if_range.strip() != etag:
        return None  # the client's copy is of another version: send it all
    unit, _, spec = range_header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # not a single byte range: ignoring Range is allowed
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first == "":
            suffix = int(last)
            if suffix <= 0:
                raise Unsatisfiable(spec)
            return ByteRange(max(size - suffix, 0), size - 1) if size else _unsatisfiable(spec)
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start < 0 or start >= size or end < start:
        raise Unsatisfiable(spec)
    return ByteRange(start, min(end, size - 1))


def _unsatisfiable(spec: str) -> ByteRange:
    raise Unsatisfiable(spec)
