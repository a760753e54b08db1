"""``neopro cloud``: run the cloud API, or ``neopro cloud create-admin`` / ``migrate``.

Settings come from the environment (``NEOPRO_DATABASE_URL``, ``NEOPRO_CLOUD_DATA_DIR``,
``NEOPRO_JWT_SECRET``, ... see :mod:`cloud_api.lib.settings`); the database is migrated to
the latest schema before the server starts.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", default="serve", choices=["serve", "create-admin", "migrate"])
    parser.add_argument("--host", default=os.environ.get("NEOPRO_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("NEOPRO_PORT", "8000")))
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("NEOPRO_WORKERS", "1")),
        help="processes (PostgreSQL only: on SQLite there is one writer, so one process)",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request (costs throughput)")
    parser.add_argument("--email", help="create-admin: the platform admin's e-mail")
    parser.add_argument("--password", help="create-admin: password (else NEOPRO_ADMIN_PASSWORD, else asked)")
    parser.add_argument("--name", default="Platform admin")


def run(args: argparse.Namespace) -> int:
    from cloud_api.lib import logs
    from cloud_api.lib.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"neopro cloud: {exc}", file=sys.stderr)
        return 2
    logs.configure(args.log_level, as_json=settings.log_json)
    from cloud_api.db.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    if args.action == "migrate":
        return 0
    if args.action == "create-admin":
        return _create_admin(settings, args)
    return _serve(settings, args)


def _serve(settings: object, args: argparse.Namespace) -> int:
    import uvicorn

    from cloud_api.lib.settings import Settings

    assert isinstance(settings, Settings)
    workers = 1 if settings.is_sqlite else max(1, args.workers)
    uvicorn.run(
        "cloud_api.server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        access_log=args.access_log,
        log_config=None,
        proxy_headers=True,
        backlog=4096,
        timeout_graceful_shutdown=5,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        ws="websockets-sansio",
    )
    return 0


def _create_admin(settings: object, args: argparse.Namespace) -> int:
    import asyncio

    from cloud_api.db.engine import make_engine, make_sessionmaker
    from cloud_api.domain.accounts import services
    from cloud_api.domain.accounts.guards import Role
    from cloud_api.domain.accounts.schemas import UserCreate
    from cloud_api.lib.settings import Settings

    assert isinstance(settings, Settings)
    email = args.email or input("e-mail: ")
    password = args.password or os.environ.get("NEOPRO_ADMIN_PASSWORD") or getpass.getpass("password: ")
    if len(password) < 10:
        print("the password needs at least 10 characters")
        return 2

    async def create() -> None:
        engine = make_engine(settings)
        try:
            async with make_sessionmaker(engine)() as session:
                data = UserCreate(email=email, password=password, role=Role.PLATFORM_ADMIN, name=args.name)
                user = await services.create_user(session, None, data)
                await session.commit()
                print(f"platform admin {user.email} created (id {user.id})")
        finally:
            await engine.dispose()

    try:
        asyncio.run(create())
    except Exception as exc:  # e.g. the e-mail exists already
        print(f"could not create the admin: {getattr(exc, 'detail', exc)}")
        return 1
    return 0
