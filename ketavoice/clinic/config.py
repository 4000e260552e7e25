"""Where the clinic store is and which room this machine is, and the one place that hides a connection
string's password. The connection string never comes from the command line (`ps` shows every argument to
every user): it is `KETAVOICE_DATABASE_URL` (a URL, key=value pairs, or `service=NAME` for a libpq
service file, with the password in PGPASSFILE), or the first line of a file only its owner can read
(`--database-url-file PATH` or `KETAVOICE_DATABASE_URL_FILE`). The room: `--room`/`KETAVOICE_ROOM`.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ketavoice.errors import ClinicError

URL_ENV = "KETAVOICE_DATABASE_URL"
URL_FILE_ENV = "KETAVOICE_DATABASE_URL_FILE"
ROOM_ENV = "KETAVOICE_ROOM"
MAX_ROOM_LENGTH = 40
_ROOM_PATTERN = re.compile(r"^[\w][\w .\-/#]*$")
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class ClinicConfig:
    """A configured clinic store. `room` may be empty (records then carry no room name)."""

    database_url: str
    room: str

    @property
    def safe_url(self) -> str:
        return redact_url(self.database_url)

    def hide_secrets(self, text: str) -> str:
        """`text` with this URL's password (and any `password=...`) replaced by ***."""
        return hide_password(text, self.database_url)


def room_from(value: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The room name from `--room` or KETAVOICE_ROOM, checked ("" when neither is set)."""
    env = os.environ if environ is None else environ
    room = (value if value is not None else env.get(ROOM_ENV, "")).strip()
    if room and (len(room) > MAX_ROOM_LENGTH or not _ROOM_PATTERN.match(room)):
        raise ClinicError(
            f"the room name must be 1 to {MAX_ROOM_LENGTH} letters, digits, spaces or . - / # "
            f"(got {len(room)} characters)"
        )
    return room


def read_url_file(path: str) -> str:
    """The connection string on the first non-blank, non-# line of `path`, a file only its owner may
    read (it holds a password): anything else is refused before it is read."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise ClinicError(f"cannot read the database URL file {path}: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ClinicError(f"the database URL file {path} is not a regular file")
    if info.st_mode & 0o077:
        raise ClinicError(f"the database URL file {path} can be read by others (mode "
                          f"{stat.S_IMODE(info.st_mode):o}): run chmod 600 {path}")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise ClinicError(f"the database URL file {path} belongs to another user")
    try:
        with open(path, encoding="utf-8") as handle:
            lines = [line.strip() for line in handle.read(65536).splitlines()]
    except (OSError, UnicodeDecodeError) as error:
        raise ClinicError(f"cannot read the database URL file {path}: {type(error).__name__}") from None
    found = next((line for line in lines if line and not line.startswith("#")), "")
    if not found:
        raise ClinicError(f"the database URL file {path} holds no connection string")
    return found


def clinic_config(
    url: str | None = None, room: str | None = None, environ: Mapping[str, str] | None = None,
    url_file: str | None = None,
) -> ClinicConfig | None:
    """The clinic store configuration, or None when no database URL is set (the device works alone).
    `url_file` (or KETAVOICE_DATABASE_URL_FILE) wins over KETAVOICE_DATABASE_URL; `url` is for callers
    inside the program (tests, benchmarks), never a command-line argument."""
    env = os.environ if environ is None else environ
    file_path = url_file if url_file is not None else env.get(URL_FILE_ENV, "").strip()
    if url is not None:
        database_url = url.strip()
    elif file_path:
        database_url = read_url_file(file_path)
    else:
        database_url = env.get(URL_ENV, "").strip()
    if not database_url:
        return None
    scheme = urlsplit(database_url).scheme if "://" in database_url else ""
    if "://" in database_url and scheme not in ("postgresql", "postgres"):
        raise ClinicError(
            f"{URL_ENV} must be a postgresql:// URL (got a {scheme or 'schemeless'} URL: "
            f"{redact_url(database_url)})"
        )
    return ClinicConfig(database_url=database_url, room=room_from(room, env))


def redact_url(url: str) -> str:
    """The connection string with its password replaced by *** (URL or key=value form)."""
    if "://" in url:
        try:
            parts = urlsplit(url)
            password = parts.password
        except ValueError:
            return "<unparsable database URL>"
        if password:
            userinfo, _, hostinfo = parts.netloc.rpartition("@")
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:***@{hostinfo}"
            url = parts._replace(netloc=netloc).geturl()
        return _KEYWORD_PASSWORD.sub(r"\1***", url)
    return _KEYWORD_PASSWORD.sub(r"\1***", url)


def hide_password(text: str, url: str) -> str:
    """Remove the password of `url` from any text (an error message from the driver, say)."""
    password: str | None = None
    if "://" in url:
        try:
            password = urlsplit(url).password
        except ValueError:
            password = None
    if not password:  # key=value form, or ?password= in a URL's query
        match = _KEYWORD_PASSWORD.search(url)
        if match:
            password = match.group(2).strip("'").split("&", 1)[0]
    if password:
        text = text.replace(password, "***")
    return _KEYWORD_PASSWORD.sub(r"\1***", text)
