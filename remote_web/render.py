"""Server-side pages: small HTML templates with ``{{name}}`` (escaped) and ``{{!name}}`` (raw).

The pages carry their words and their first data in a ``<script type="application/json">``
block (never executed), so the scripts stay static files under a strict CSP.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources

from aiohttp import web

from .i18n import LANGUAGES, words

_SLOT = re.compile(r"\{\{(!?)([a-z_]+)\}\}")


@cache
def _template(name: str) -> str:
    return resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


def json_block(data: object) -> str:
    """JSON safe inside ``<script>``: no ``</script>`` can end it early."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def render(name: str, language: str, *, status: int = 200, **values: object) -> web.Response:
    t = words(language)
    shown = language if language in LANGUAGES else "en"  # the language of the words on the page
    merged = {**{f"t_{k}": v for k, v in t.items()}, "lang": shown, **values}

    def fill(m: re.Match[str]) -> str:
        value = merged.get(m.group(2), "")
        return str(value) if m.group(1) == "!" else html.escape(str(value))

    body = _SLOT.sub(fill, _template(name))
    return web.Response(text=body, content_type="text/html", charset="utf-8", status=status)
