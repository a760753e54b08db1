"""The sync agent: the Pi's link to the cloud.

It enrolls once, then keeps "the cloud says X" and "the TV plays X" equal (config and
media sync), and "the TV played Y" and "the sponsor's report counts Y" equal (outbox
upload), through bad networks, power cuts and weeks offline. Everything it must not forget
lives in ``state.db`` or in files written atomically under the data directory.

- :mod:`.outbox` — read closed proof-of-play rows in batches, delete after a 2xx.
- :mod:`.buffer` — the bounded-buffer check (alert before the bound, never drop).
- :mod:`.command_log` — each cloud command recorded before it runs: once, even across a crash.
"""
