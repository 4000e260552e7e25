"""The few words of the escort summary that content.toml has no place for yet.

Everything else in the summary (driving, effects fading, when to call 911 or 988) is taken from
content.toml. These lines are the fallbacks and headings; they should move into content.toml as a
dedicated `[escort]` block (requested from the content owner).
"""

from __future__ import annotations

TITLE = "For the person taking the patient home"
INTRO = "Today's treatment is over. Please keep this page for the rest of the day."
HEADING_INSTRUCTIONS = "Key instructions"
HEADING_CALL = "When to call for help"
HEADING_CHECKIN = "Today's check-in"

# Fallbacks, used only when content.toml has no sentence on the topic.
NO_DRIVING = "No driving or machinery until tomorrow, after a full night's sleep."
EFFECTS_FADE = (
    "Dizziness, drowsiness and feeling a little disoriented are normal and fade within a few hours."
)
NO_DECISIONS = "No big decisions for 24 hours."
STAY_CLOSE = "Stay with them, help them stand and walk, and let them rest."
CALL_911 = "Call 911 for chest pain, trouble breathing, fainting, a seizure or a severe headache."
CALL_988 = "If they talk about suicide or hurting themselves, call or text 988 right away."

NO_CHECKIN = "No mood check-in was recorded today."
NOTE_SAVED = "A note for the care team was saved."
