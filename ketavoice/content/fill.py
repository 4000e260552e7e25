"""Put the clinic's phone into every text that says {clinic_phone}, once, when content is loaded.

The engine and the front ends then never see the placeholder; the {value}/{note}/{heard} placeholders
they fill themselves are left alone (the phone is checked to hold no braces).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar, cast

from ketavoice.content.model import Content

PLACEHOLDER = "{clinic_phone}"
T = TypeVar("T")


def fill_clinic_phone(content: Content) -> Content:
    """`content` with {clinic_phone} replaced by `content.clinic.phone` in every string it holds."""
    if not content.clinic.phone:
        return content
    return _fill(content, content.clinic.phone)


def _fill(value: T, phone: str) -> T:
    if isinstance(value, str):
        return cast(T, value.replace(PLACEHOLDER, phone))
    if isinstance(value, tuple):
        return cast(T, tuple(_fill(item, phone) for item in value))
    if is_dataclass(value) and not isinstance(value, type):
        changes: dict[str, Any] = {}
        for field in fields(value):
            current = getattr(value, field.name)
            updated = _fill(current, phone)
            if updated is not current and updated != current:
                changes[field.name] = updated
        return replace(value, **changes) if changes else value
    return value
