"""The journal as a FHIR R4 Bundle (type collection), built as plain dicts: no FHIR library at run time.

One Patient per patient (identified by the ketavoice patient id), one QuestionnaireResponse per screening
(LOINC-coded where the form has a LOINC panel: PHQ-9 44249-1, PHQ-2 55757-9, GAD-7 69737-5; the ASQ and
the GAD-2 have none we could confirm and use ketavoice's own questionnaire URIs), one Observation per
0-10 mood rating and one Flag per staff alert. Notes (the patient's own words) are not exported.
Resource ids are name-based UUIDs of the journal rows, so exporting twice gives the same ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from ketavoice.content.instruments import Instrument
from ketavoice.journal.base import AlertRecord, MoodRecord, QuestionRecord, ScreeningRecord, StepAnswerRecord
from ketavoice.journal.export import iso_time

LOINC = "http://loinc.org"
# ketavoice's own identifiers and codes. A single self-rated 0-10 mood item has no LOINC code (LOINC codes
# the items of named instruments, none of which is a bare 0-10 mood scale), so the mood Observation is
# coded in a local code system; likewise alert levels and answers without a LOINC answer code.
LOCAL_CODES = "urn:ketavoice:codes"
PATIENT_SYSTEM = "urn:ketavoice:patient"
ANSWER_SYSTEM = "urn:ketavoice:answer"
QUESTIONNAIRE_PREFIX = "urn:ketavoice:questionnaire:"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
# Each item's record status (answered / declined / unclear), as stored and as `notes --json` shows it.
ITEM_STATUS = "urn:ketavoice:extension:item-status"
_NAMESPACE = uuid.UUID("6f1d4c1e-2d3b-5a7e-9c4f-6b6574617663")  # fixed: ids stay stable across exports


@dataclass(frozen=True)
class JournalExtract:
    """What the bundle is built from: the journal rows for one patient or all."""

    moods: Sequence[MoodRecord]
    screenings: Sequence[ScreeningRecord]
    alerts: Sequence[AlertRecord]
    step_answers: Sequence[StepAnswerRecord] = ()
    questions: Sequence[QuestionRecord] = ()


def _uuid(kind: str, key: str | int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}/{key}"))


def _ref(kind: str, key: str | int) -> str:
    return f"urn:uuid:{_uuid(kind, key)}"


def build_bundle(extract: JournalExtract, instruments: Sequence[Instrument], now: float) -> dict[str, object]:
    """The FHIR R4 Bundle (type collection) for `extract`, stamped `now`."""
    by_key = {instrument.key: instrument for instrument in instruments}
    patients = sorted(
        {m.patient_id for m in extract.moods}
        | {s.patient_id for s in extract.screenings}
        | {a.patient_id for a in extract.alerts}
        | {q.patient_id for q in extract.questions}
    )
    resources: list[tuple[str, dict[str, object]]] = [
        (_ref("patient", p), patient_resource(p)) for p in patients
    ]
    for screening in extract.screenings:
        response = questionnaire_response(screening, by_key.get(screening.instrument))
        resources.append((_ref("screening", screening.id), response))
    resources += [(_ref("mood", m.id), mood_observation(m)) for m in extract.moods]
    resources += [(_ref("alert", a.id), alert_flag(a)) for a in extract.alerts]
    resources += [(_ref("answer", a.id), answer_observation(a)) for a in extract.step_answers]
    resources += [(_ref("question", q.id), question_communication(q)) for q in extract.questions]
    bundle: dict[str, object] = {
        "resourceType": "Bundle",
        "id": _uuid("bundle", iso_time(now)),
        "type": "collection",
        "timestamp": iso_time(now),
    }
    if resources:  # FHIR JSON has no empty arrays
        bundle["entry"] = [{"fullUrl": url, "resource": resource} for url, resource in resources]
    return bundle


def patient_resource(patient_id: str) -> dict[str, object]:
    return {
        "resourceType": "Patient",
        "id": _uuid("patient", patient_id),
        "identifier": [{"system": PATIENT_SYSTEM, "value": patient_id}],
    }


def questionnaire_url(instrument: Instrument | None, form: str) -> str:
    """The LOINC form URI (http://loinc.org/q/CODE) when the administered form has a panel code."""
    if instrument is not None:
        code = instrument.short_loinc if form == instrument.short_name else instrument.loinc
        if code and form in (instrument.name, instrument.short_name):
            return f"{LOINC}/q/{code}"
    return QUESTIONNAIRE_PREFIX + "".join(c if c.isalnum() else "-" for c in form.lower())


def questionnaire_response(record: ScreeningRecord, instrument: Instrument | None) -> dict[str, object]:
    """One screening: each answered item (LOINC item and answer codes where known), the total and band."""
    items: list[dict[str, object]] = []
    for answer in record.answers:
        item = _answer_item(answer.item, answer.answer, answer.value, instrument)
        item["extension"] = [{"url": ITEM_STATUS, "valueCode": answer.status}]
        if not answer.answer:
            del item["answer"]  # declined or unclear with no answer option: asked, not answered
        items.append(item)
    short = instrument is not None and record.form == instrument.short_name
    score_code = ""
    if instrument is not None:
        score_code = instrument.short_score_loinc if short else instrument.score_loinc
    total: dict[str, object] = {
        "linkId": score_code or "total",
        "text": f"{record.form} total score",
        "answer": [{"valueInteger": record.score}],
    }
    items.append(total)
    items.append({"linkId": "severity", "text": "Result", "answer": [{"valueString": record.severity}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "id": _uuid("screening", record.id),
        "questionnaire": questionnaire_url(instrument, record.form),
        "status": "completed" if record.complete else "stopped",
        "subject": {"reference": _ref("patient", record.patient_id)},
        "authored": iso_time(record.created_at),
        "item": items,
    }


def _answer_item(
    item_id: str, answer_id: str, value: int, instrument: Instrument | None
) -> dict[str, object]:
    """An answered item: linkId is the item's LOINC code where it has one (as in LOINC's own forms);
    the answer's score rides on the coding as the standard ordinalValue extension."""
    text, link, label, code = item_id, item_id, answer_id, ""
    if instrument is not None:
        try:
            item = instrument.item(item_id)
            text, link = item.text, item.loinc or item.id
        except KeyError:
            pass
        try:
            option = instrument.answer(answer_id)
            label, code = option.label, option.code
        except KeyError:
            pass
    system = LOINC if code else ANSWER_SYSTEM
    coding = {
        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": value}],
        "system": system,
        "code": code or answer_id,
        "display": label,
    }
    return {"linkId": link, "text": text, "answer": [{"valueCoding": coding}]}


def mood_observation(mood: MoodRecord) -> dict[str, object]:
    return {
        "resourceType": "Observation",
        "id": _uuid("mood", mood.id),
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {
            "coding": [{"system": LOCAL_CODES, "code": "mood-0-10", "display": "Self-rated mood, 0 to 10"}],
            "text": "Mood rating (0 very low, 10 very good)",
        },
        "subject": {"reference": _ref("patient", mood.patient_id)},
        "effectiveDateTime": iso_time(mood.created_at),
        "valueInteger": mood.rating,
    }


def answer_observation(answer: StepAnswerRecord) -> dict[str, object]:
    """An answer the patient was told is noted (a side-effect check, better/same/worse), as a survey
    Observation in the local code system: the question as asked, the answer (and the words)."""
    value = answer.answer if answer.answer != "other" else answer.said
    return {
        "resourceType": "Observation",
        "id": _uuid("answer", answer.id),
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {"coding": [{"system": LOCAL_CODES, "code": f"step-{answer.step}"}], "text": answer.question},
        "subject": {"reference": _ref("patient", answer.patient_id)},
        "effectiveDateTime": iso_time(answer.created_at),
        "valueString": value,
    }


def question_communication(question: QuestionRecord) -> dict[str, object]:
    """A question the patient asked that had no approved answer, kept for the care team: a Communication
    sent by the patient (FHIR R4), its words as the payload."""
    return {
        "resourceType": "Communication",
        "id": _uuid("question", question.id),
        "status": "completed",
        "category": [
            {"coding": [{"system": LOCAL_CODES, "code": "patient-question"}], "text": "Patient question"}
        ],
        "subject": {"reference": _ref("patient", question.patient_id)},
        "sender": {"reference": _ref("patient", question.patient_id)},
        "sent": iso_time(question.created_at),
        "payload": [{"contentString": question.text}],
    }


def alert_flag(alert: AlertRecord) -> dict[str, object]:
    period: dict[str, str] = {"start": iso_time(alert.created_at)}
    if alert.acknowledged_at is not None:
        period["end"] = iso_time(alert.acknowledged_at)
    return {
        "resourceType": "Flag",
        "id": _uuid("alert", alert.id),
        "status": "active" if alert.acknowledged_at is None else "inactive",
        "category": [{"coding": [{"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"}]}],
        "code": {
            "coding": [{"system": LOCAL_CODES, "code": f"alert-{alert.level}-{alert.certainty}"}],
            "text": alert.text,
        },
        "subject": {"reference": _ref("patient", alert.patient_id)},
        "period": period,
    }
