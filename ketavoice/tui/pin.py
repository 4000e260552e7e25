"""The kiosk staff PIN: a salted scrypt hash on disk, never the PIN itself, and persisted throttling.

Wrong PINs cost exponentially more waiting (1 s, 2 s, 4 s ... up to 15 minutes). The failure count and
the lock deadline live in a file next to the hash, so restarting the kiosk does not reset them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ketavoice.errors import KioskError
from ketavoice.paths import private_dir, private_file_opener

PIN_FILE = "kiosk_pin.json"
THROTTLE_FILE = "kiosk_throttle.json"
MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 12
MAX_DELAY_SECONDS = 900.0
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

    @property
    def throttled(self) -> bool:
        return self.wait_seconds > 0


def validate_pin(pin: str) -> None:
    """A PIN is 4-12 digits; raise KioskError otherwise (the message never repeats the PIN)."""
    if not pin.isdigit() or not MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH:
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
    with open(temp, "w", encoding="utf-8", opener=private_file_opener) as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temp, 0o600)
    os.replace(temp, path)


class PinStore:
    """Reads, sets and checks the staff PIN kept under `home` (KETAVOICE_HOME)."""

    def __init__(self, home: Path, clock: Callable[[], float] = time.time) -> None:
        self.home = home
        self.clock = clock

    @property
    def pin_path(self) -> Path:
        return self.home / PIN_FILE

    @property
    def throttle_path(self) -> Path:
        return self.home / THROTTLE_FILE

    def is_set(self) -> bool:
        return self.pin_path.is_file()

    def set_pin(self, pin: str) -> None:
        """Store a new PIN as salt + scrypt hash (file 0600) and clear any throttling."""
        validate_pin(pin)
        private_dir(self.home)
        salt = secrets.token_bytes(16)
        digest = _hash(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        _write_private_json(
            self.pin_path,
            {"version": 1, "kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
             "salt": salt.hex(), "hash": digest.hex()},
        )
        self._save_throttle(0, 0.0)

    def check(self, pin: str) -> PinCheck:
        """Check one attempt. While throttled, the attempt is refused without being checked or counted."""
        failures, locked_until = self._load_throttle()
        now = self.clock()
        # A clock set backwards must not extend the lock beyond its longest length.
        wait = min(locked_until - now, MAX_DELAY_SECONDS)
        if wait > 0:
            return PinCheck(ok=False, wait_seconds=wait, failures=failures)
        if self._matches(pin):
            if failures:
                self._save_throttle(0, 0.0)
            return PinCheck(ok=True)
        failures += 1
        self._save_throttle(failures, now + backoff_seconds(failures))
        return PinCheck(ok=False, failures=failures)

    def wait_seconds(self) -> float:
        """How long until the next attempt is accepted (0 when not throttled)."""
        _failures, locked_until = self._load_throttle()
        return max(0.0, min(locked_until - self.clock(), MAX_DELAY_SECONDS))

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
            return int(record["failures"]), float(record["locked_until"])
        except FileNotFoundError:
            return 0, 0.0
        except (OSError, ValueError, KeyError, TypeError):
            # A damaged throttle file must not become a way around the backoff: restart it as a long lock
            # (written back, so it ends instead of being renewed on every read).
            failures, locked_until = 10, self.clock() + backoff_seconds(10)
            self._save_throttle(failures, locked_until)
            return failures, locked_until

    def _save_throttle(self, failures: int, locked_until: float) -> None:
        private_dir(self.home)
        _write_private_json(self.throttle_path, {"failures": failures, "locked_until": locked_until})
