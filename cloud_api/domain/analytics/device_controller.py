"""``POST /device/v1/events``: a device uploads its outbox (contract: EventBatch -> EventBatchResult).

The body is read raw and decoded with msgspec here, event by event, so one malformed event
gets its reason back while the rest are stored; the device is the credential's (the device
router's guard), never a field of the body.
"""

from __future__ import annotations

from litestar import Controller, Request, post
from litestar.datastructures import State
from litestar.exceptions import ValidationException

from cloud_api.domain.devices.auth import CurrentDevice
from neopro.contracts.proof_of_play import EventBatchResult

from .ingest import BatchError, decode_batch, prepare


class EventIngestController(Controller):
    tags = ["device"]

    @post("/events", status_code=200)
    async def upload_events(self, request: Request, state: State, device: CurrentDevice) -> EventBatchResult:
        """Store a batch of proof-of-play events (idempotent on each event id); playback errors too.

        200 with accepted / duplicate / rejected counts and a reason per rejected event; the agent
        deletes from its outbox every event not rejected. 400 if the envelope itself is unreadable.
        """
        try:
            batch = decode_batch(await request.body())
        except BatchError as exc:
            raise ValidationException(str(exc)) from None
        prepared = await prepare(state.runtime.engine, device, batch, state.analytics.settings)
        return await state.analytics.writer.store(prepared)
