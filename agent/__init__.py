"""The sync agent (``neopro agent``): the Pi's link to the cloud.

It enrolls once, then keeps "the cloud says X" and "the TV plays X" equal (config and
media sync), and "the TV played Y" and "the sponsor's report counts Y" equal (outbox
upload), through bad networks, power cuts and weeks offline. Everything it must not forget
lives in ``state.db`` or in files written atomically under the data directory.

Where things are:

- :mod:`.service` — ``neopro agent run``: one task per duty (heartbeat, config sync,
  upload, push + polling, command results, status/watchdog, hub link).
- :mod:`.enroll`, :mod:`.device` — ``neopro agent enroll``, ``device.json`` (0600).
- :mod:`.cloud_client` — the device API over HTTP; errors sorted by what to do.
- :mod:`.config_sync` — manifest (ETag/304) → validate → media first → atomic apply → GC.
- :mod:`.media_fetch`, :mod:`.media_gc`, :mod:`.throttle` — resumable verified downloads,
  collection that spares what is on air, the bandwidth cap.
- :mod:`.outbox`, :mod:`.uploader`, :mod:`.buffer` — drain proof-of-play after a 2xx only;
  the bounded-buffer alert.
- :mod:`.command_log`, :mod:`.commands`, :mod:`.handlers`, :mod:`.push` — commands once,
  results at least once, by push or by poll.
- :mod:`.update`, :mod:`.trial` — versioned install, atomic ``current`` switch, health gate,
  roll back (also of a new agent that cannot start).
- :mod:`.hub_link` — ``reload_config`` to the player and its on-air state, via the hub.
- :mod:`.clock_sync`, :mod:`.metrics`, :mod:`.status` — clock.json, heartbeat metrics, the
  hub-readable status file (systemd's watchdog: :mod:`neopro.sd_notify`).
- :mod:`.bench` — ``neopro bench agent``.
"""
