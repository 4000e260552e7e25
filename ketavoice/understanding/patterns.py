"""Word patterns, the small language red-flag concepts and idioms are written in (see content.toml).

A pattern is words in order, for example ``chest ... pain|hurt*|tight*``:
- ``a|b|c``: any one of these words; ``word*``: any word starting with "word";
- ``(without me|if i was gone)``: any one of these word sequences;
- a plain word also matches its common forms: plural, past and -ing ("faint" matches "fainted",
  "fainting"; "breathe" matches "breathing"), so content lists the word once;
- neighbouring words may have up to two other words between them ("chest is so tight");
  ``...`` allows up to six ("my chest, like, really really hurts").
A pattern may also match *misheard*: one of its words (four letters or more, in a pattern of two words
or more) replaced by a word that sounds alike ("my test hurts", "hard attack"). Such a match is only ever
a possible flag, never a certain one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketavoice.content.pattern_syntax import pattern_parts, slot_alternatives
from ketavoice.understanding.words import Words

DEFAULT_GAP = 2
WIDE_GAP = 6
_FUZZY_MIN_LETTERS = 4
_FUZZY_MIN_SKELETON = 3
_SLIP_MIN_LETTERS = 5  # one letter off counts as a slip only in longer words ("chess" for "chest")
_VOWELS = set("aeiouy")
_DIGRAPHS = (("ph", "f"), ("ch", "t"), ("sh", "s"), ("th", "t"), ("ck", "k"), ("gh", ""))
_SOUND_ALIKE = str.maketrans({"d": "t", "b": "p", "g": "k", "v": "f", "z": "s", "c": "k", "q": "k", "x": "k"})


@dataclass(frozen=True)
class Slot:
    words: frozenset[str]
    prefixes: tuple[str, ...]
    sounds: frozenset[str]  # sound-alike keys of the slot's whole words, for misheard matches
    gap_before: int
    sequences: tuple[tuple[frozenset[str], ...], ...] = ()  # multi-word alternatives, longest first
    openers: frozenset[str] = frozenset()  # every whole word that can start this slot (for filtering)
    bases: tuple[str, ...] = ()  # the slot's whole words as written, for one-letter slips
    prefix_set: frozenset[str] = frozenset()

    def matches(self, token: str) -> bool:
        return token in self.words or any(token.startswith(prefix) for prefix in self.prefixes)

    def could_match(self, words: Words) -> bool:
        """Whether any word of the utterance could fill this slot: a cheap first filter."""
        return not self.openers.isdisjoint(words.present) or not self.prefix_set.isdisjoint(words.starts)

    def length_at(self, tokens: tuple[str, ...], position: int) -> int:
        """How many tokens this slot matches at `position` (0: none)."""
        for sequence in self.sequences:
            end = position + len(sequence)
            if end <= len(tokens) and all(tokens[position + i] in forms for i, forms in enumerate(sequence)):
                return len(sequence)
        return 1 if self.matches(tokens[position]) else 0

    def sounds_like(self, token: str, token_sound: str) -> bool:
        """A recognition slip: the word sounds alike, or is one letter off ("chess" for "chest")."""
        if len(token) < 4 or self.matches(token):
            return False
        if token_sound in self.sounds:
            return True
        return len(token) >= _SLIP_MIN_LETTERS and any(one_letter_off(token, base) for base in self.bases)


@dataclass(frozen=True)
class Pattern:
    text: str
    slots: tuple[Slot, ...]

    @property
    def can_mishear(self) -> bool:
        return len(self.slots) >= 2


@dataclass(frozen=True)
class Match:
    pattern: Pattern
    positions: tuple[int, ...]
    misheard: bool = False

    @property
    def start(self) -> int:
        return self.positions[0]

    @property
    def end(self) -> int:
        return self.positions[-1] + 1


def compile_pattern(text: str) -> Pattern:
    """A valid pattern (see `ketavoice.content.pattern_syntax`) compiled for matching."""
    slots: list[Slot] = []
    gap = DEFAULT_GAP
    for part in pattern_parts(text):
        if part == "...":
            gap = WIDE_GAP
            continue
        words: set[str] = set()
        prefixes: list[str] = []
        sounds: set[str] = set()
        sequences: list[tuple[frozenset[str], ...]] = []
        for alternative_words in slot_alternatives(part):
            if len(alternative_words) > 1:
                sequences.append(tuple(frozenset(word_forms(word)) for word in alternative_words))
                continue
            alternative = alternative_words[0]
            if alternative.endswith("*"):
                prefixes.append(alternative[:-1])
                if len(alternative) > _FUZZY_MIN_LETTERS:
                    sounds.add(sound_key(alternative[:-1]))
                continue
            words |= word_forms(alternative)
            if len(alternative) >= _FUZZY_MIN_LETTERS and len(sound_key(alternative)) >= _FUZZY_MIN_SKELETON:
                sounds.add(sound_key(alternative))
        sequences.sort(key=len, reverse=True)
        openers = frozenset(words).union(*(sequence[0] for sequence in sequences))
        bases = tuple(
            alternative[0]
            for alternative in slot_alternatives(part)
            if len(alternative) == 1 and not alternative[0].endswith("*") and len(alternative[0]) >= 4
        )
        slot = Slot(
            frozenset(words),
            tuple(prefixes),
            frozenset(sounds),
            gap if slots else 0,
            tuple(sequences),
            openers,
            bases,
            frozenset(prefixes),
        )
        slots.append(slot)
        gap = DEFAULT_GAP
    return Pattern(text, tuple(slots))


# A pattern written in the patient's words also matches the companion's about the patient ("kill myself"
# matches "kill himself"); context then decides whose it is.
_PERSON_FORMS = {
    "myself": {"himself", "herself", "themselves", "themself", "meself", "yourself"},
    "my": {"his", "her", "their"},
}


def word_forms(word: str) -> set[str]:
    """`word` with its common inflections (some are not English words; they simply never occur)."""
    if word in _PERSON_FORMS:
        return {word, *_PERSON_FORMS[word]}
    forms = {word, word + "s", word + "es", word + "ed", word + "d", word + "ing", word + "in"}
    if word.endswith("e"):
        forms |= {word[:-1] + "ing", word[:-1] + "in"}
    if word.endswith("y") and len(word) > 2:
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    if len(word) >= 3 and word[-1] not in _VOWELS and word[-2] in _VOWELS and word[-3] not in _VOWELS:
        forms |= {word + word[-1] + "ing", word + word[-1] + "ed", word + word[-1] + "in"}
    return forms


def one_letter_off(heard: str, word: str) -> bool:
    """True when `heard` is `word` with one letter changed, added or dropped (same first letter)."""
    if heard[:1] != word[:1] or abs(len(heard) - len(word)) > 1 or heard == word:
        return False
    if len(heard) == len(word):
        return sum(a != b for a, b in zip(heard, word, strict=True)) == 1
    shorter, longer = sorted((heard, word), key=len)
    for index in range(len(longer)):
        if longer[:index] + longer[index + 1 :] == shorter:
            return True
    return False


def sound_key(word: str) -> str:
    """A rough key of how a word sounds: consonants only, alike ones merged ("chest" ~ "test")."""
    for digraph, sound in _DIGRAPHS:
        word = word.replace(digraph, sound)
    word = word.translate(_SOUND_ALIKE)
    key = word[:1] + "".join(ch for ch in word[1:] if ch not in _VOWELS and ch not in "hw")
    collapsed = [ch for index, ch in enumerate(key) if index == 0 or ch != key[index - 1]]
    return "".join(collapsed)


def find(
    pattern: Pattern, words: Words, sounds: tuple[str, ...] | None = None, begin: int = 0
) -> Match | None:
    """The first match of `pattern` in `words` starting at `begin` or later (all in one clause), or None.
    With `sounds` (the tokens' sound keys), one one-word slot may match a sound-alike word instead; the
    match is then marked misheard."""
    allow = sounds if pattern.can_mishear else None
    allowed_missing = 1 if allow is not None else 0
    missing = 0
    for slot in pattern.slots:
        if not slot.could_match(words):
            missing += 1
            if missing > allowed_missing:
                return None  # some word of the pattern is nowhere in the utterance
    first = pattern.slots[0]
    tokens = words.tokens
    for start in range(begin, len(tokens)):
        opens = tokens[start] in first.openers or not first.prefix_set.isdisjoint(words.starts_at[start])
        if allow is None and not opens:
            continue  # the first word of the pattern can't start here
        found = _from(pattern, words, allow, 0, start, (), False)
        if found is not None:
            positions, misheard = found
            return Match(pattern, positions, misheard)
    return None


def _from(
    pattern: Pattern,
    words: Words,
    sounds: tuple[str, ...] | None,
    slot_index: int,
    position: int,
    positions: tuple[int, ...],
    misheard: bool,
) -> tuple[tuple[int, ...], bool] | None:
    """Match slot `slot_index` at `position`, then the rest within their gaps."""
    tokens = words.tokens
    slot = pattern.slots[slot_index]
    length = slot.length_at(tokens, position)
    now_misheard = misheard
    if length == 0:
        if sounds is None or misheard:
            return None
        if slot.sounds_like(tokens[position], sounds[position]):
            length = 1
        elif _split_word(slot, words, position):
            length = 2  # one word heard as two ("my shelf" for "myself")
        else:
            return None
        now_misheard = True
    end = position + length
    taken = (*positions, *range(position, end))
    if not words.same_clause(position, end - 1):
        return None
    if slot_index + 1 == len(pattern.slots):
        return taken, now_misheard
    following = pattern.slots[slot_index + 1]
    for candidate in range(end, min(len(tokens), end + 1 + following.gap_before)):
        if not words.same_clause(end - 1, candidate):
            break
        found = _from(pattern, words, sounds, slot_index + 1, candidate, taken, now_misheard)
        if found is not None:
            return found
    return None


def _split_word(slot: Slot, words: Words, position: int) -> bool:
    if position + 1 >= len(words.tokens) or not words.same_clause(position, position + 1):
        return False
    joined = words.tokens[position] + words.tokens[position + 1]
    return any(joined == base or one_letter_off(joined, base) for base in slot.bases)
