"""Helpers for clinic-store tests: a fresh PostgreSQL database per test, and a TCP relay to cut.

The server comes from KETAVOICE_TEST_DATABASE_URL (`.ci/run` and `scripts/test.sh` start one with
`scripts/pg_test_server.sh`). Without it the tests skip on a laptop and FAIL under CI=true.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit, urlunsplit

import pytest

TEST_URL_ENV = "KETAVOICE_TEST_DATABASE_URL"


def admin_url() -> str:
    url = os.environ.get(TEST_URL_ENV, "")
    if not url:
        message = f"{TEST_URL_ENV} is not set: start a server with scripts/pg_test_server.sh"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def with_port(url: str, host: str, port: int) -> str:
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}:{port}" if userinfo else f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new empty database on the test server; dropped afterwards."""
    import psycopg

    base = admin_url()
    name = "kvt_" + uuid.uuid4().hex[:16]
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the test PostgreSQL server is not answering: {error}")
        pytest.skip(f"the test PostgreSQL server is not answering: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(base, name)
    finally:
        with psycopg.connect(base, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Relay:
    """A TCP relay in front of the real server: `down()` cuts every connection and refuses new ones
    (the server is 'unreachable'), `up()` listens again on the same port. `stall()` keeps every
    connection open and accepts new ones but forwards nothing (a stopped server or a partition: the
    client's kernel sees its packets acknowledged), `resume()` forwards again, held bytes first."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()

    def stall(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._flowing.set()  # pipes held by a stall end on the closed sockets

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=3)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._conns += [client, server]
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with suppress(OSError):
                sink.shutdown(socket.SHUT_WR)


@contextmanager
def relay_for(url: str) -> Iterator[tuple[Relay, str]]:
    parts = urlsplit(url)
    relay = Relay(parts.hostname or "127.0.0.1", parts.port or 5432)
    relay.up()
    try:
        yield relay, with_port(url, "127.0.0.1", relay.port)
    finally:
        relay.down()


HANG_GUARD_S = 60.0  # only so a broken build cannot hang the suite; nothing is timed against it


def wait_for(condition: Callable[[], bool], pause: float = 0.02) -> None:
    """Poll `condition` until it holds (a generous cap against hanging, never a timing assertion)."""
    deadline = time.monotonic() + HANG_GUARD_S
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(pause)
