"""Validated screening instruments as pure logic: what to ask next, what an answer means, what it scores.

No I/O and no engine state: `plan` says which item comes next (PHQ-2 -> PHQ-9 and GAD-2 -> GAD-7 when
the short form scores at or above its cut-off; ASQ items 1-4, then the acuity item only after a positive
answer), `answers` maps a spoken or typed answer onto an item's scale (None when unclear, so the engine
asks again), and `scoring` totals, bands and flags a finished (or interrupted) screen. The instruments
themselves are data in content.toml ([instruments.*], loaded by `ketavoice.content.instruments`).
This package's `__init__` imports nothing, so the journal can use `ketavoice.screening.model` cheaply.
"""
