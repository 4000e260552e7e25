"""Clinic configuration: the URL, the room name, and secrets kept out of every message."""

from __future__ import annotations

import pytest

from ketavoice.clinic.config import clinic_config, hide_password, redact_url, room_from
from ketavoice.clinic.outbox import OutboxItem
from ketavoice.clinic.pgstore import ClinicStore
from ketavoice.errors import ClinicError

SECRET = "pelican-umbrella-words"


def test_no_url_means_no_clinic() -> None:
    assert clinic_config(environ={}) is None
    assert clinic_config(url="", environ={"KETAVOICE_DATABASE_URL": ""}) is None


def test_url_and_room_from_environment_or_arguments() -> None:
    env = {"KETAVOICE_DATABASE_URL": "postgresql://a@h/db", "KETAVOICE_ROOM": "Room 1"}
    config = clinic_config(environ=env)
    assert config is not None and config.room == "Room 1"
    override = clinic_config(url="postgresql://b@h/db", room="Bay 2", environ=env)
    assert override is not None and override.database_url.startswith("postgresql://b@")
    assert override.room == "Bay 2"


def test_bad_urls_and_rooms_are_clear_errors_without_the_password() -> None:
    with pytest.raises(ClinicError) as caught:
        clinic_config(url="mysql://u:hunter2@h/db", environ={})
    assert "hunter2" not in str(caught.value) and "postgresql://" in str(caught.value)
    with pytest.raises(ClinicError):
        room_from("x" * 41, {})
    with pytest.raises(ClinicError):
        room_from("room\x1b[31m", {})
    assert room_from("  Room 3/B  ", {}) == "Room 3/B"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://nurse:hunter2@db.clinic:5432/kv", "postgresql://nurse:***@db.clinic:5432/kv"),
        ("postgresql://nurse@db/kv", "postgresql://nurse@db/kv"),
        ("host=db user=nurse password=hunter2 dbname=kv", "host=db user=nurse password=*** dbname=kv"),
        ("postgresql://h/kv?password=hunter2", "postgresql://h/kv?password=***"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    if "hunter2" in url:
        assert "hunter2" not in hide_password(f"failed for {url} with hunter2", url)


def test_server_data_errors_never_quote_the_values(clinic_url: str) -> None:
    config = clinic_config(url=clinic_url, room="", environ={})
    assert config is not None
    bad = OutboxItem(1, "mood", 1, {"id": 1, "session_id": 1, "patient_id": "p", "rating": SECRET,
                                    "created_at": 1.0, "room": None, "uid": "u1"})
    with ClinicStore(config) as store, pytest.raises(ClinicError) as caught:
        store.deliver("device", [bad])
    assert SECRET not in str(caught.value) and "22P02" in str(caught.value)
