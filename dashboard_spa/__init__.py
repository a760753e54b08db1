"""The admin dashboard: static files (HTML, CSS, JavaScript ES modules), no build step.

The cloud API serves :data:`STATIC` at ``/dashboard/``; the app talks only to the public
admin API (``/api/v1``) with the person's JWT.
"""

from __future__ import annotations

from pathlib import Path

#: The directory holding ``index.html`` and its modules, wherever the package is installed.
STATIC = Path(__file__).with_name("static")
