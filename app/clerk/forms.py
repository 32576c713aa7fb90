"""What a clerk keys from a letter or a call, read back and checked: an error code per
field, everything typed kept as typed, and the `SubmissionForm` every channel fills.

The fields follow the paper form (consultation, dates, sender, then the opinion) and
a call's natural order (when it began, who calls, what they say, the read-back).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from app.persistence.files import Upload
from app.services.participants import keyed_writer_id
from app.services.submissions import SubmissionForm
from app.web.forms import Errors, check_day, check_moment, check_text
from domain import REGIONS, Channel, StaffId, start_of_day

MAX_TEXT = 20_000
MAX_NAME = 200
MAX_ADDRESS = 500
MAX_CONTACT = 200
ILLEGIBLE = "[illisible]"
"""What a clerk types for a passage they cannot read, as the form explains."""
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
SHOW_NAME = ("not_stated", "yes", "no")
"""The box on the printed form: only a "yes" shows the name."""
LETTER_PERSONAL = ("name", "postal_address", "email")
CALL_PERSONAL = ("name", "phone", "email", "postal_address")


FIELD_ORDER = (
    "consultation_id", "received_on", "postmarked_on", "call_started_at", "language",
    "name", "phone", "email", "postal_address", "region", "text", "scan", "show_name",
    "read_back",
)  # fmt: skip
"""The fields as the forms show them: the summary of errors lists them in this order."""


def in_page_order(errors: Errors) -> Errors:
    rank = {name: i for i, name in enumerate(FIELD_ORDER)}
    return dict(sorted(errors.items(), key=lambda item: rank.get(item[0], len(rank))))


@dataclass
class KeyedForm:
    values: dict[str, str]
    errors: Errors = field(default_factory=dict)
    personal: dict[str, str] = field(default_factory=dict)
    consultation_id: UUID | None = None
    moment: datetime | None = None
    """When a letter came in (the start of its day), or when a call began."""
    postmarked_at: datetime | None = None
    scan: Upload | None = None
    """A letter's scan, checked by its content."""


def fresh_token() -> str:
    return secrets.token_urlsafe(24)


def _common(values: dict[str, str], keyable: set[UUID], personal: tuple[str, ...]) -> KeyedForm:
    form = KeyedForm(values)
    errors = form.errors
    chosen = values.get("consultation_id", "")
    form.consultation_id = next((c for c in keyable if str(c) == chosen), None)
    if form.consultation_id is None:
        errors["consultation_id"] = "required" if not chosen else "consultation_not_keyable"
    check_text(errors, values, "name", MAX_NAME)
    for name in personal[1:]:
        if values.get(name, "").strip():
            check_text(errors, values, name, MAX_ADDRESS)
    if values.get("email", "").strip() and not EMAIL.fullmatch(values["email"].strip()):
        errors["email"] = "email_invalid"
    if values.get("region") and values["region"] not in REGIONS:
        errors["region"] = "region_invalid"
    if values.get("language") not in ("fr", "en"):
        errors["language"] = "required"
    check_text(errors, values, "text", MAX_TEXT)
    if len(values.get("form_token", "")) < 32:
        values["form_token"] = fresh_token()
    form.personal = {n: values[n].strip() for n in personal if values.get(n, "").strip()}
    return form


def read_letter(values: dict[str, str], keyable: set[UUID], today: date) -> KeyedForm:
    form = _common(values, keyable, LETTER_PERSONAL)
    check_text(form.errors, values, "postal_address", MAX_ADDRESS)
    received = check_day(form.errors, values, "received_on")
    postmarked = check_day(form.errors, values, "postmarked_on")
    if received and received > today:
        form.errors["received_on"] = "date_in_future"
    elif received and postmarked and postmarked > received:
        form.errors["postmarked_on"] = "postmark_after_receipt"
    if values.get("show_name", "not_stated") not in SHOW_NAME:
        form.errors["show_name"] = "required"
    if received and postmarked:
        form.moment, form.postmarked_at = start_of_day(received), start_of_day(postmarked)
    form.errors = in_page_order(form.errors)
    return form


def read_call(values: dict[str, str], keyable: set[UUID], now: datetime) -> KeyedForm:
    form = _common(values, keyable, CALL_PERSONAL)
    started = check_moment(form.errors, values, "call_started_at")
    if started and started > now:
        form.errors["call_started_at"] = "date_in_future"
    if values.get("read_back") != "on":
        form.errors["read_back"] = "read_back_required"
    form.moment = started
    form.errors = in_page_order(form.errors)
    return form


def submission_form(
    form: KeyedForm, channel: Channel, clerk: StaffId, now: datetime
) -> SubmissionForm:
    """The one shape every channel fills; the writer registered with it."""
    assert form.consultation_id is not None, form.errors
    assert form.moment is not None, form.errors
    values = form.values
    token = values["form_token"]
    fields: dict[str, Any] = {
        "form_token": token,
        "consultation_id": form.consultation_id,
        "channel": channel,
        "participant_id": keyed_writer_id(token),
        "text": values["text"],
        "language": values["language"],
        "region": values.get("region") or None,
        "keyed_by": clerk,
        "show_name": values.get("show_name") == "yes",
        "writer": form.personal,
        "scan": form.scan,
    }
    if channel is Channel.MAIL:
        fields.update(received_at=form.moment, postmarked_at=form.postmarked_at)
    else:
        fields.update(received_at=now, call_started_at=form.moment, read_back_confirmed=True)
    return SubmissionForm(**fields)
