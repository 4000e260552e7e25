"""`ketavoice export --fhir` run as a real process on a real journal, validated with fhir.resources.

fhir.resources 8 ships FHIR R5 at its top level and R4B (4.3, which keeps R4's Bundle, Patient,
QuestionnaireResponse, Observation and Flag) under `fhir.resources.R4B`; every resource and the bundle
are parsed with those models, so a wrong field, type or empty array fails here.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from ketavoice.content.model import Content
from ketavoice.journal.fhir import JournalExtract, build_bundle
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.screening.model import ItemAnswer
from ketavoice.screening.scoring import score

ROOT = Path(__file__).resolve().parents[1]


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KETAVOICE_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "ketavoice", "export", *args],
        capture_output=True, text=True, env=env, timeout=60,
    )


def _answer(content: Content, key: str, values: list[int]) -> list[ItemAnswer]:
    instrument = content.instrument(key)
    by_value = {a.value: a.id for a in instrument.answers}
    return [ItemAnswer(item.id, by_value[v], v) for item, v in zip(instrument.items, values, strict=False)]


def seed(home: Path, content: Content) -> None:
    journal = SqliteJournal(home / "journal.sqlite3")
    session = journal.start_session("ana", "checkin", 1_795_000_000.0)
    journal.save_mood(session, 3, 1_795_000_060.0)
    journal.save_screening(session, score(content.instrument("asq"), [
        ItemAnswer("asq1", "no", 0), ItemAnswer("asq2", "declined", 1), ItemAnswer("asq3", "no", 0),
        ItemAnswer("asq4", "no", 0), ItemAnswer("asq5", "no", 0)]), 1_795_000_100.0)
    phq = _answer(content, "phq9", [2, 2, 1, 1, 1, 0, 0, 0, 1])
    journal.save_screening(session, score(content.instrument("phq9"), phq), 1_795_000_200.0)
    gad = _answer(content, "gad7", [1, 0])
    journal.save_screening(session, score(content.instrument("gad7"), gad), 1_795_000_300.0)
    alert = journal.add_alert(session, "ana", "crisis", "Crisis red flag.", 1_795_000_400.0)
    journal.acknowledge_alert(alert, "nurse", 1_795_000_500.0)
    journal.add_alert(session, "ana", "emergency", "Emergency red flag.", 1_795_000_600.0, "possible")
    other = journal.start_session("ben", "post_session", 1_795_100_000.0)
    journal.save_mood(other, 8, 1_795_100_060.0)
    journal.close()


def _validate(bundle: dict[str, Any]) -> Bundle:
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return Bundle.model_validate(bundle)


def test_export_fhir_to_a_file_validates(content: Content, ketavoice_home: Path, tmp_path: Path) -> None:
    seed(ketavoice_home, content)
    out = tmp_path / "bundle.json"
    result = _run(ketavoice_home, "--fhir", "--patient", "ana", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert "3 screenings, 1 moods, 2 alerts" in result.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    bundle = json.loads(out.read_text(encoding="utf-8"))
    parsed = _validate(bundle)
    assert parsed.type == "collection"
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds == ["Patient", "QuestionnaireResponse", "QuestionnaireResponse", "QuestionnaireResponse",
                     "Observation", "Flag", "Flag"]
    asq, phq, gad = (entry["resource"] for entry in bundle["entry"][1:4])
    assert phq["questionnaire"] == "http://loinc.org/q/44249-1" and phq["status"] == "completed"
    assert gad["questionnaire"] == "urn:ketavoice:questionnaire:gad-2"
    assert asq["questionnaire"] == "urn:ketavoice:questionnaire:asq"
    first = phq["item"][0]
    assert first["linkId"] == "44250-9" and first["text"] == "Little interest or pleasure in doing things"
    assert first["answer"][0]["valueCoding"]["code"] == "LA6570-1"
    totals = {item["linkId"]: item["answer"][0] for item in phq["item"][-2:]}
    assert totals == {"44261-6": {"valueInteger": 8}, "severity": {"valueString": "mild"}}
    assert asq["item"][1]["answer"][0]["valueCoding"]["code"] == "declined"
    mood = bundle["entry"][4]["resource"]
    assert mood["valueInteger"] == 3 and mood["code"]["coding"][0]["system"] == "urn:ketavoice:codes"
    flags = [entry["resource"] for entry in bundle["entry"][5:]]
    assert [flag["status"] for flag in flags] == ["inactive", "active"]
    patient_ref = bundle["entry"][0]["fullUrl"]
    assert all(entry["resource"].get("subject", {"reference": patient_ref})["reference"] == patient_ref
               for entry in bundle["entry"])


def test_export_all_patients_to_stdout_and_ids_are_stable(content: Content, ketavoice_home: Path) -> None:
    seed(ketavoice_home, content)
    first, second = _run(ketavoice_home, "--fhir"), _run(ketavoice_home, "--fhir")
    assert first.returncode == 0, first.stderr
    bundle = json.loads(first.stdout)
    _validate(bundle)
    assert sum(e["resource"]["resourceType"] == "Patient" for e in bundle["entry"]) == 2
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert urls == [entry["fullUrl"] for entry in json.loads(second.stdout)["entry"]]
    assert len(set(urls)) == len(urls)


def test_empty_journal_gives_an_empty_valid_bundle(ketavoice_home: Path) -> None:
    result = _run(ketavoice_home, "--fhir")
    assert result.returncode == 0, result.stderr
    bundle = json.loads(result.stdout)
    _validate(bundle)
    assert "entry" not in bundle and not (ketavoice_home / "journal.sqlite3").exists()


def test_without_a_format_or_with_an_unwritable_file_is_a_clear_error(
    ketavoice_home: Path, tmp_path: Path
) -> None:
    missing = _run(ketavoice_home)
    assert missing.returncode == 2 and "--fhir" in missing.stderr and "Traceback" not in missing.stderr
    unwritable = _run(ketavoice_home, "--fhir", "--output", str(tmp_path / "no" / "such" / "dir.json"))
    assert unwritable.returncode == 1 and "could not write" in unwritable.stderr
    assert "Traceback" not in unwritable.stderr


def test_bundle_builder_is_pure_and_validates_in_process(content: Content) -> None:
    bundle = build_bundle(JournalExtract(moods=(), screenings=(), alerts=()), content.instruments, 0.0)
    assert Bundle.model_validate(bundle).timestamp is not None
