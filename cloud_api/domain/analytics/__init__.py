"""Proof-of-play ingest, sponsor analytics, contract pacing, PDF/CSV reports and alerts (issue 6).

- :mod:`.ingest` — device batches: validated one by one, idempotent on the event id.
- :mod:`.clock` — dating events of a Pi whose clock was never synced; implausible times.
- :mod:`.chain` — the per-device hash chain: verified as events arrive, gaps and breaks kept.
- :mod:`.store` — multi-row INSERT ... ON CONFLICT DO NOTHING and rollup upserts (per dialect).
- :mod:`.queries`, :mod:`.pacing` — analytics read from the rollups; contract pacing.
- :mod:`.verification` — the report's code: a digest over the counted events, re-checkable.
- :mod:`.pdf_sponsor`, :mod:`.pdf_club`, :mod:`.csv_export` — the reports (built in a thread).
- :mod:`.alerts` — conditions raised once, resolved when clear, optional webhook.
"""
