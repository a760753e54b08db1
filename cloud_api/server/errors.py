"""Error bodies a person can act on: ``{"status_code", "detail", "field"}``.

``field`` is a JSON path into the request (``$.videos[2].sha256``) or a parameter's name;
``detail`` says what was wrong and what to do.
"""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.types import Scope
from sqlalchemy.exc import DataError

from neopro.contracts import ContractError

log = logging.getLogger("cloud_api.errors")


class FieldError(HTTPException):
    """A request refused because of one field (or ``$`` for the whole body)."""

    def __init__(self, status_code: int, field: str, detail: str) -> None:
        super().__init__(status_code=status_code, detail=detail)
        self.field = field


def field_error_handler(_: Request, exc: FieldError) -> Response:
    return Response(
        {"status_code": exc.status_code, "detail": exc.detail, "field": exc.field},
        status_code=exc.status_code,
        headers=exc.headers,
    )


def contract_error_handler(_: Request, exc: ContractError) -> Response:
    return Response({"status_code": 422, "detail": exc.reason, "field": exc.field}, status_code=422)


async def log_unexpected(exc: Exception, scope: Scope) -> None:
    """An error that is not an HTTP answer is a bug: log it with its traceback and the route."""
    if not isinstance(exc, (HTTPException, ContractError, DataError)):
        log.error("unhandled error on %s %s", scope.get("method"), scope.get("path"), exc_info=exc)


def data_error_handler(_: Request, exc: DataError) -> Response:
    """The database refused a value the types let through (a NUL character, a number out of range)."""
    detail = "a value cannot be stored: text must not contain NUL characters and numbers must fit"
    return Response({"status_code": 422, "detail": detail, "field": "$"}, status_code=422)


EXCEPTION_HANDLERS = {
    FieldError: field_error_handler,
    ContractError: contract_error_handler,
    DataError: data_error_handler,
}
