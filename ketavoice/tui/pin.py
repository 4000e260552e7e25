"""The kiosk staff PIN: a salted scrypt hash on disk, never the PIN itself, and persisted throttling.

Wrong PINs cost exponentially more waiting (1 s, 2 s, 4 s ... capped at 30 s). The failure count and
the lock deadline live in a file next to the hash, so restarting the kiosk does not reset them, and in
memory too, so a disk that cannot record them (full, read-only, failing) cannot lift the limit either.
The delay only ever postpones the next attempt: once it has passed, the right PIN always works, so a
patient typing wrong PINs can slow staff down by at most MAX_DELAY_SECONDS, never lock them out.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import math
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ketavoice.errors import KioskError
from ketavoice.journal.sqlerrors import describe_os_error
from ketavoice.paths import private_dir, private_file_opener

PIN_FILE = "kiosk_pin.json"
THROTTLE_FILE = "kiosk_throttle.json"
MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 12
MAX_DELAY_SECONDS = 30.0
DAMAGED_THROTTLE_FAILURES = 6  # a damaged throttle file counts as this many failures (the longest delay)
# scrypt cost: ~16 MiB and a few tens of milliseconds per check; slow enough to hurt guessing offline.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1


@dataclass(frozen=True)
class PinCheck:
    """The outcome of one PIN attempt. `wait_seconds` > 0 means the attempt was refused unchecked."""

    ok: bool
    wait_seconds: float = 0.0
    failures: int = 0
    recorded: bool = True  # False when the throttle could not be written to disk (kept in memory only)

    @property
    def throttled(self) -> bool:
        return self.wait_seconds > 0

    @property
    def wait_text(self) -> str:
        """The wait in whole seconds, rounded up: never "wait 0 s" while the right PIN is refused."""
        return f"{max(1, math.ceil(self.wait_seconds))} s"


def validate_pin(pin: str) -> None:
    """A PIN is 4-12 ASCII digits (what the kiosk's PIN box accepts); raise KioskError otherwise.

    The message never repeats the PIN. `str.isdigit` alone would accept Arabic-Indic or full-width digits,
    which the PIN box cannot take, so staff could never type the PIN they set.
    """
    if not (pin.isascii() and pin.isdigit()) or not MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH:
        raise KioskError(f"the staff PIN must be {MIN_PIN_LENGTH} to {MAX_PIN_LENGTH} digits")


def backoff_seconds(failures: int) -> float:
    """Wait imposed after `failures` wrong PINs in a row: 2**(failures-1) seconds, capped."""
    if failures <= 0:
        return 0.0
    return float(min(2 ** min(failures - 1, 20), MAX_DELAY_SECONDS))


def _hash(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def _write_private_json(path: Path, data: dict[str, object]) -> None:
    """Write JSON atomically (temp file 0600, fsync, rename) so a crash never leaves half a file."""
    temp = path.with_name(path.name + ".tmp")
    try:
        with open(temp, "w", encoding="utf-8", opener=private_file_opener) as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


class PinStore:
    """Reads, sets and checks the staff PIN kept under `home` (KETAVOICE_HOME)."""

    def __init__(self, home: Path, clock: Callable[[], float] = time.time) -> None:
        self.home = home
        self.clock = clock
        # The throttle as this process knows it; merged with the file on every check (the larger wins).
        self._failures = 0
        self._locked_until = 0.0
        self._damage_counted = False

    @property
    def pin_path(self) -> Path:
        return self.home / PIN_FILE

    @property
    def throttle_path(self) -> Path:
        return self.home / THROTTLE_FILE

    def is_set(self) -> bool:
        return self.pin_path.is_file()

    def set_pin(self, pin: str) -> None:
        """Store a new PIN as salt + scrypt hash (file 0600) and clear any throttling.

        KioskError (never a bare OSError) when the folder cannot be written: full, read-only, no permission.
        """
        validate_pin(pin)
        salt = secrets.token_bytes(16)
        digest = _hash(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        try:
            private_dir(self.home)
            _write_private_json(
                self.pin_path,
                {"version": 1, "kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
                 "salt": salt.hex(), "hash": digest.hex()},
            )
        except OSError as error:
            raise KioskError(
                f"could not save the staff PIN under {self.home}: {describe_os_error(error)}. "
                "The PIN was not changed."
            ) from None
        self._failures, self._locked_until = 0, 0.0
        self._save_throttle(0, 0.0)

    def check(self, pin: str) -> PinCheck:
        """Check one attempt. While throttled, the attempt is refused without being checked or counted.

        Never raises OSError: a throttle that cannot be written is kept in memory (`recorded=False`).
        """
        failures, locked_until = self._current()
        now = self.clock()
        # A clock set backwards must not extend the lock beyond its longest length.
        wait = min(locked_until - now, MAX_DELAY_SECONDS)
        if wait > 0:
            return PinCheck(ok=False, wait_seconds=wait, failures=failures)
        if self._matches(pin):
            recorded = True
            if failures:
                self._failures, self._locked_until = 0, 0.0
                recorded = self._save_throttle(0, 0.0)
            return PinCheck(ok=True, recorded=recorded)
        failures += 1
        self._failures, self._locked_until = failures, now + backoff_seconds(failures)
        recorded = self._save_throttle(self._failures, self._locked_until)
        return PinCheck(ok=False, failures=failures, recorded=recorded)

    def wait_seconds(self) -> float:
        """How long until the next attempt is accepted (0 when not throttled)."""
        _failures, locked_until = self._current()
        return max(0.0, min(locked_until - self.clock(), MAX_DELAY_SECONDS))

    def _current(self) -> tuple[int, float]:
        """The stricter of the throttle on disk and the one in memory."""
        failures, locked_until = self._load_throttle()
        self._failures = max(self._failures, failures)
        self._locked_until = max(self._locked_until, locked_until)
        return self._failures, self._locked_until

    def _matches(self, pin: str) -> bool:
        try:
            record = json.loads(self.pin_path.read_text(encoding="utf-8"))
            salt = bytes.fromhex(record["salt"])
            expected = bytes.fromhex(record["hash"])
            n, r, p = int(record["n"]), int(record["r"]), int(record["p"])
        except FileNotFoundError as error:
            raise KioskError("no staff PIN is set: run `ketavoice kiosk set-pin` first") from error
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise KioskError(f"the staff PIN file {self.pin_path} is unreadable; set a new PIN") from error
        return hmac.compare_digest(_hash(pin, salt, n, r, p), expected)

    def _load_throttle(self) -> tuple[int, float]:
        try:
            record = json.loads(self.throttle_path.read_text(encoding="utf-8"))
            failures, locked_until = int(record["failures"]), float(record["locked_until"])
            if failures < 0 or locked_until != locked_until:  # negative or NaN: damaged
                raise ValueError("bad throttle record")
            return failures, locked_until
        except FileNotFoundError:
            return 0, 0.0
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            # A damaged or unreadable throttle file must not become a way around the backoff: count it as
            # the longest delay from now, once per process (written back when possible), so it ends instead
            # of being renewed on every read.
            if not self._damage_counted:
                self._damage_counted = True
                self._failures = max(self._failures, DAMAGED_THROTTLE_FAILURES)
                self._locked_until = max(self._locked_until, self.clock() + backoff_seconds(self._failures))
                self._save_throttle(self._failures, self._locked_until)
            return self._failures, self._locked_until

    def _save_throttle(self, failures: int, locked_until: float) -> bool:
        """Write the throttle file; False (the state stays in memory) when the disk refuses it."""
        try:
            private_dir(self.home)
            _write_private_json(self.throttle_path, {"failures": failures, "locked_until": locked_until})
        except OSError:
            return False
        return True
