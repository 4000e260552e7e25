"""Where the clinic store is and which room this machine is: `--database-url`/`KETAVOICE_DATABASE_URL`
and `--room`/`KETAVOICE_ROOM`. Also the one place that hides a connection string's password.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ketavoice.errors import ClinicError

URL_ENV = "KETAVOICE_DATABASE_URL"
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


def clinic_config(
    url: str | None = None, room: str | None = None, environ: Mapping[str, str] | None = None
) -> ClinicConfig | None:
    """The clinic store configuration, or None when no database URL is set (the device works alone)."""
    env = os.environ if environ is None else environ
    database_url = (url if url is not None else env.get(URL_ENV, "")).strip()
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
