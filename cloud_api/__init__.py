"""The Neopro cloud API: clubs, people, sites and enrollment, versioned configuration, media,
sponsors, the command queue and the device API (Litestar + SQLAlchemy 2, async).

``create_app(settings)`` in :mod:`cloud_api.server.app` builds everything; ``neopro cloud``
(:mod:`cloud_api.cli`) runs it.
"""
