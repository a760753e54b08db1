"""The site configuration chooses the language of the remote, the login and the admin."""

from __future__ import annotations

import msgspec
import pytest

from neopro.contracts import encode_site_config, parse_site_config
from neopro.datadir import atomic_write


def set_language(data_dir, language: str) -> None:
    cfg = parse_site_config(data_dir.current_config.read_bytes())
    remote = msgspec.structs.replace(cfg.remote, language=language)
    atomic_write(data_dir.current_config, encode_site_config(msgspec.structs.replace(cfg, remote=remote)))


@pytest.mark.parametrize(
    ("language", "shown", "login_word", "remote_word"),
    [
        ("fr", "fr", "Se connecter", "Retour à la boucle"),
        ("en", "en", "Log in", "Back to loop"),
        ("es", "es", "Entrar", "Volver al bucle"),
    ],
)
async def test_pages_speak_the_configured_language(hub, language, shown, login_word, remote_word):
    set_language(hub.settings.data_dir, language)
    async with hub.client() as http:
        page = await (await http.get("/login")).text()
        assert login_word in page and f'lang="{shown}"' in page
    http = await hub.login("operator")
    try:
        page = await (await http.get("/")).text()
        assert remote_word in page
    finally:
        await http.close()


def test_every_language_has_every_word():
    from remote_web.i18n import LANGUAGES, TEXT

    for language in LANGUAGES:
        assert set(TEXT[language]) == set(TEXT["en"]), language
        assert all(TEXT[language].values()), language
