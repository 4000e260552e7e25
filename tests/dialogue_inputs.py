"""Typed answers that walk the bundled check-in to its note offer, for tests about what follows."""

from __future__ import annotations

# welcome, mood, ASQ (4 x no), PHQ-2 and GAD-2 (4 x not at all), better/same/worse, 4 side effects.
CHECKIN_TO_NOTE_OFFER = "okay\n7\n" + "no\n" * 4 + "not at all\n" * 4 + "same\n" + "no\n" * 4
