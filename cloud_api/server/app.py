"""The application factory: everything is built here from one :class:`Settings`."""

from __future__ import annotations

from litestar import Litestar, Router, get
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from cloud_api.db.engine import libpq_url, make_engine, make_sessionmaker
from cloud_api.db.fastreads import EngineReads, FastReads, PostgresReads
from cloud_api.domain.accounts.controllers import (
    AuditController,
    AuthController,
    ClubController,
    UserController,
)
from cloud_api.domain.accounts.deps import provide_principal
from cloud_api.domain.accounts.guards import admin_guard
from cloud_api.domain.analytics.controllers import ADMIN_CONTROLLERS as ANALYTICS_CONTROLLERS
from cloud_api.domain.analytics.device_controller import EventIngestController
from cloud_api.domain.analytics.runtime import analytics_lifespan, analytics_state
from cloud_api.domain.commands.controllers import CommandController
from cloud_api.domain.configs.controllers import ConfigController
from cloud_api.domain.devices.auth import DeviceDirectory, device_guard, provide_device
from cloud_api.domain.devices.controllers import DeviceController
from cloud_api.domain.devices.heartbeat_path import heartbeat_path
from cloud_api.domain.devices.heartbeats import HeartbeatWriter
from cloud_api.domain.devices.manifest import ManifestCache
from cloud_api.domain.devices.push import PushHub
from cloud_api.domain.media.controllers import MediaController
from cloud_api.domain.sites.controllers import SiteController
from cloud_api.domain.sponsors.controllers import SponsorController
from cloud_api.lib.bus import Bus, LocalBus, PostgresBus
from cloud_api.lib.security import TokenKeys
from cloud_api.lib.settings import Settings
from cloud_api.lib.storage import make_storage
from dashboard_spa import STATIC as DASHBOARD_FILES
from neopro.contracts.device_api import API_PREFIX

from .db import provide_db_session
from .errors import EXCEPTION_HANDLERS, log_unexpected
from .health import HealthController
from .lifecycle import lifespan
from .runtime import Runtime

ADMIN_PREFIX = "/api/v1"
#: The admin API's controllers; a new domain (e.g. analytics) adds its own here.
ADMIN_CONTROLLERS = [
    AuthController, ClubController, UserController, AuditController, SiteController, ConfigController,
    MediaController, SponsorController, CommandController, *ANALYTICS_CONTROLLERS,
]  # fmt: skip


class _MetricsController(PrometheusController):
    include_in_schema = False


@get("/", include_in_schema=False)
async def _to_dashboard() -> Redirect:
    return Redirect("/dashboard/")


def build_runtime(settings: Settings) -> Runtime:
    engine = make_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    if settings.is_sqlite:
        bus: Bus = LocalBus()
        reads: FastReads = EngineReads(engine)
    else:
        bus = PostgresBus(libpq_url(settings.database_url))
        reads = PostgresReads(libpq_url(settings.database_url), size=max(4, settings.db_pool_size // 2))
    devices = DeviceDirectory(reads)
    rt = Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        storage=make_storage(settings),
        bus=bus,
        tokens=TokenKeys(
            settings.jwt_secret, settings.jwt_issuer, settings.jwt_audience, settings.access_ttl_s
        ),
        devices=devices,
        hub=PushHub(sessionmaker, devices, reads),
        reads=reads,
        heartbeats=HeartbeatWriter(engine, None if settings.is_sqlite else libpq_url(settings.database_url)),
        manifests=ManifestCache(sessionmaker),
    )
    return rt


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    runtime = build_runtime(settings)
    admin = Router(
        path=ADMIN_PREFIX,
        route_handlers=ADMIN_CONTROLLERS,
        guards=[admin_guard],
        dependencies={"principal": Provide(provide_principal, sync_to_thread=False)},
        security=[{"BearerToken": []}],
    )
    device = Router(
        path=API_PREFIX,
        route_handlers=[DeviceController, EventIngestController],
        guards=[device_guard],
        dependencies={"device": Provide(provide_device, sync_to_thread=False)},
        security=[{"DeviceCredential": []}],
    )
    #: The admin dashboard (dashboard_spa): static files, no build step; "/" redirects to it.
    dashboard = create_static_files_router(
        "/dashboard", [DASHBOARD_FILES], html_mode=True, include_in_schema=False
    )
    prometheus = PrometheusConfig(
        app_name="neopro_cloud", prefix="neopro", group_path=True, exclude=["/metrics"]
    )
    app = Litestar(
        route_handlers=[admin, device, HealthController, _MetricsController, _to_dashboard, dashboard],
        state=State({"runtime": runtime, "analytics": analytics_state()}),
        dependencies={"db_session": Provide(provide_db_session)},
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        after_exception=[log_unexpected],
        lifespan=[lifespan, analytics_lifespan],
        middleware=[prometheus.middleware],
        compression_config=CompressionConfig(backend="gzip", minimum_size=4096),
        openapi_config=OpenAPIConfig(
            title="Neopro cloud API",
            version="1.0.0",
            description=(
                "Clubs, sites and enrollment, versioned configuration, media, sponsors, commands, "
                "and the device API (neopro.contracts.device_api)."
            ),
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
                    "DeviceCredential": SecurityScheme(
                        type="http", scheme="bearer", description="<device_id>.<secret>"
                    ),
                }
            ),
        ),
        logging_config=None,
        debug=False,
    )
    # The fleet's most frequent call skips the framework (see heartbeat_path for why and what
    # it keeps); the framework's lifespan still starts the writer it stores through.
    app.asgi_handler = heartbeat_path(app.asgi_handler, runtime.devices, runtime.heartbeats)
    return app
