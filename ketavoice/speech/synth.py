"""Synthesised patient speech for tests and benchmarks: espeak-ng makes it, sox shapes it.

`synthesize` writes 16 kHz mono 16-bit WAV; options slow it down, change the voice, add pauses
(silence between phrases) and background noise, so the recognizers meet something like a drowsy patient.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ketavoice.errors import AudioError


def tools_available() -> dict[str, str | None]:
    return {"espeak-ng": shutil.which("espeak-ng"), "sox": shutil.which("sox")}


def run_tool(command: list[str], timeout: float = 60) -> None:
    """Run espeak-ng, sox or another audio tool; a missing or failing tool is an AudioError."""
    if command[0] == "sox" and "-R" not in command:
        # Repeatable: sox dithers with random noise when it requantizes, so the same text made different
        # audio on every run and a borderline word could be recognised differently from run to run.
        command = ["sox", "-R", *command[1:]]
    try:
        subprocess.run(command, capture_output=True, check=True, timeout=timeout)
    except FileNotFoundError as error:
        raise AudioError(f"{command[0]} is not installed") from error
    except subprocess.CalledProcessError as error:
        raise AudioError(f"{command[0]} failed: {error.stderr.decode(errors='replace')[-300:]}") from error


def synthesize(text: str, out: Path, *, voice: str = "en-us", wpm: int = 120, lead_silence: float = 0.4,
               trail_silence: float = 0.6, noise: float = 0.0) -> Path:
    """Speak `text` into `out`. A "|" in `text` is a pause of 3 seconds (slow speech with a long gap)."""
    with tempfile.TemporaryDirectory() as scratch:
        parts: list[str] = []
        for index, piece in enumerate(text.split("|")):
            raw = Path(scratch) / f"raw{index}.wav"
            run_tool(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(raw), piece.strip()])
            part = Path(scratch) / f"part{index}.wav"
            run_tool(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(part)])
            if index:
                gap = Path(scratch) / f"gap{index}.wav"
                run_tool(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(gap), "trim", "0", "3.0"])
                parts.append(str(gap))
            parts.append(str(part))
        joined = Path(scratch) / "joined.wav"
        run_tool(["sox", *parts, str(joined), "pad", str(lead_silence), str(trail_silence)] if len(parts) > 1
             else ["sox", parts[0], str(joined), "pad", str(lead_silence), str(trail_silence)])
        if noise > 0:
            seconds = float(subprocess.run(["soxi", "-D", str(joined)], capture_output=True, text=True,
                                           check=True).stdout.strip())
            hiss = Path(scratch) / "noise.wav"
            run_tool(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(hiss), "synth", f"{seconds:.3f}",
                  "pinknoise", "vol", str(noise)])
            run_tool(["sox", "-m", str(joined), str(hiss), "-b", "16", str(out)])
        else:
            shutil.copyfile(joined, out)
    return out


def silence(out: Path, seconds: float) -> Path:
    run_tool(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(out), "trim", "0", f"{seconds:.3f}"])
    return out
