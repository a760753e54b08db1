"""The durable command queue.

Life of a command: queued -> sent (pushed or pulled; attempts + 1) -> running (the agent
acknowledged) -> succeeded | failed. A command past its expiry is marked expired before
anything is delivered, so it never runs. One that was sent but not acknowledged is sent
again when the agent reconnects or pulls, or by the periodic sweep of connected sites
(:meth:`PushHub.sweep`), until ``max_attempts``; then it fails.
Due commands go out highest priority first, then oldest first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloud_api.db.base import utcnow
from cloud_api.db.models import Command
from cloud_api.server.errors import FieldError
from neopro.contracts.device_api import (
    COMMAND_ARGS,
    FINAL_STATUSES,
    CommandResult,
    CommandStatus,
    CommandType,
    DeviceCommand,
)

from .schemas import CommandCreate, CommandOut

MAX_RESULT_BYTES = 64 * 1024
_LIMITS: dict[tuple[CommandType, str], tuple[int, int]] = {
    (CommandType.SET_VOLUME, "volume"): (0, 100),
    (CommandType.GET_LOGS, "lines"): (1, 10_000),
    (CommandType.APPLY_CONFIG, "version"): (1, 2**31 - 1),
}


def check_args(kind: CommandType, args: dict[str, Any]) -> dict[str, Any]:
    expected = COMMAND_ARGS[kind]
    for name in args:
        if name not in expected:
            raise FieldError(
                422,
                f"$.args.{name}",
                f"{kind.value} takes no {name!r} (it takes {sorted(expected) or 'nothing'})",
            )
    for name, type_ in expected.items():
        value = args.get(name)
        if value is None or not isinstance(value, type_) or isinstance(value, bool):
            raise FieldError(422, f"$.args.{name}", f"{kind.value} needs {name!r} as {type_.__name__}")
        if type_ is str and not 0 < len(value) <= 500:
            raise FieldError(422, f"$.args.{name}", "must be 1-500 characters")
        low, high = _LIMITS.get((kind, name), (None, None))
        if low is not None and not low <= value <= high:  # type: ignore[operator]
            raise FieldError(422, f"$.args.{name}", f"must be between {low} and {high}")
    return args


def command_out(c: Command) -> CommandOut:
    return CommandOut(
        id=c.id, site_id=c.site_id, club_id=c.club_id, type=CommandType(c.type), args=c.args,
        priority=c.priority, status=CommandStatus(c.status), attempts=c.attempts,
        max_attempts=c.max_attempts, created_at=c.created_at, created_by=c.created_by,
        expires_at=c.expires_at, sent_at=c.sent_at, acked_at=c.acked_at, finished_at=c.finished_at,
        result=c.result, error=c.error,
    )  # fmt: skip


def device_command(c: Command) -> DeviceCommand:
    return DeviceCommand(
        id=c.id, type=CommandType(c.type), args=c.args, priority=c.priority, status=CommandStatus(c.status),
        created_at=c.created_at, expires_at=c.expires_at, attempts=c.attempts, max_attempts=c.max_attempts,
    )  # fmt: skip


def new_command(site_id: str, club_id: str, data: CommandCreate, actor_id: str | None) -> Command:
    now = utcnow()
    return Command(
        site_id=site_id,
        club_id=club_id,
        type=data.type.value,
        args=check_args(data.type, dict(data.args)),
        priority=data.priority,
        max_attempts=data.max_attempts,
        status=CommandStatus.QUEUED.value,
        created_at=now,
        created_by=actor_id,
        expires_at=now + timedelta(seconds=data.expires_in_s) if data.expires_in_s else None,
    )


async def expire_due(session: AsyncSession, site_id: str | None, now: datetime) -> None:
    """Mark expired every undelivered command past its expiry (of one site, or all)."""
    query = update(Command).where(
        Command.status.in_([CommandStatus.QUEUED.value, CommandStatus.SENT.value]),
        Command.expires_at.is_not(None),
        Command.expires_at <= now,
    )
    if site_id is not None:
        query = query.where(Command.site_id == site_id)
    await session.execute(query.values(status=CommandStatus.EXPIRED.value, finished_at=now))


async def claim_due(
    session: AsyncSession, site_id: str, *, resend_unacked: bool, unacked_before: datetime | None = None
) -> list[DeviceCommand]:
    """Take the site's due commands for delivery, in delivery order, and mark them sent.

    ``resend_unacked`` (a reconnect, a pull, the sweep) also takes commands sent earlier but
    never acknowledged — only those sent before ``unacked_before`` if given (the sweep leaves
    a command just pushed alone); those out of attempts fail instead.
    """
    now = utcnow()
    await expire_due(session, site_id, now)
    due = Command.status == CommandStatus.QUEUED.value
    if resend_unacked:
        stale = Command.status == CommandStatus.SENT.value
        if unacked_before is not None:
            stale = and_(stale, Command.sent_at <= unacked_before)
        due = or_(due, stale)
        await session.execute(
            update(Command)
            .where(Command.site_id == site_id, stale)
            .where(Command.attempts >= Command.max_attempts)
            .values(
                status=CommandStatus.FAILED.value,
                finished_at=now,
                error="the device never acknowledged it (out of attempts)",
            )
        )
    rows = await session.scalars(
        select(Command)
        .where(Command.site_id == site_id, due)
        .where(or_(Command.expires_at.is_(None), Command.expires_at > now))
        .order_by(Command.priority.desc(), Command.created_at, Command.id)
    )
    claimed: list[Command] = []
    for command in rows:
        # Conditional: if another instance (or a pull) took it meanwhile, skip it.
        taken = await session.execute(
            update(Command)
            .where(
                Command.id == command.id,
                Command.status == command.status,
                Command.attempts == command.attempts,
            )
            .values(status=CommandStatus.SENT.value, attempts=command.attempts + 1, sent_at=now)
        )
        if taken.rowcount == 1:
            claimed.append(command)
    await session.commit()
    out = []
    for command in claimed:
        await session.refresh(command)
        out.append(device_command(command))
    return out


async def acknowledge(session: AsyncSession, command: Command) -> Command:
    now = utcnow()
    if command.status in (CommandStatus.QUEUED.value, CommandStatus.SENT.value):
        if command.expires_at is not None and command.expires_at <= now:
            command.status, command.finished_at = CommandStatus.EXPIRED.value, now
            raise FieldError(
                409, "command_id", "this command expired before it was acknowledged: do not run it"
            )
        command.status, command.acked_at = CommandStatus.RUNNING.value, now
    elif command.status != CommandStatus.RUNNING.value:
        raise FieldError(409, "command_id", f"this command is {command.status}: do not run it")
    return command


async def record_result(session: AsyncSession, command: Command, report: CommandResult) -> Command:
    if command.status in {s.value for s in FINAL_STATUSES}:
        raise FieldError(409, "command_id", f"this command is already {command.status}")
    if len(msgspec.json.encode(report.result)) > MAX_RESULT_BYTES:
        raise FieldError(413, "$.result", f"the result is over {MAX_RESULT_BYTES // 1024} KiB; send less")
    now = utcnow()
    command.status = report.status
    command.result = report.result
    command.error = report.error
    command.acked_at = command.acked_at or now
    command.finished_at = now
    return command


async def sites_with_unacked(
    session: AsyncSession, site_ids: list[str], unacked_before: datetime
) -> list[str]:
    """Which of ``site_ids`` have a queued command, or one sent before ``unacked_before`` and never acked."""
    out: list[str] = []
    for start in range(0, len(site_ids), 500):
        chunk = site_ids[start : start + 500]
        out += await session.scalars(
            select(Command.site_id)
            .where(Command.site_id.in_(chunk))
            .where(
                or_(
                    Command.status == CommandStatus.QUEUED.value,
                    and_(Command.status == CommandStatus.SENT.value, Command.sent_at <= unacked_before),
                )
            )
            .distinct()
        )
    return out
