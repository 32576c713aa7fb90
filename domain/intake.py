"""Checks on an opinion as it arrives, before it becomes a submission.

Channel is data: the same checks apply to all three channels, and only the
provenance (who keyed it, postmark, call start) differs.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from domain.errors import (
    InvalidBriefError,
    InvalidLanguageError,
    InvalidProvenanceError,
    InvalidRegionError,
)
from domain.values import MAX_BRIEF_BYTES, REGIONS, Channel, Language, StaffId, validate_text

MONTREAL = ZoneInfo("America/Montreal")
"""Paper dates (a postmark, the day a letter came in) are days in Québec."""


def start_of_day(day: date) -> datetime:
    """The first moment of a paper date in Montréal, whatever its offset that day.

    A letter postmarked on day D counts if D began before the closing time: postmarked
    on the closing day, it counts unless the consultation closes at midnight.
    """
    return datetime.combine(day, time(0), tzinfo=MONTREAL)


def check_provenance(
    channel: Channel,
    keyed_by: StaffId | None,
    postmarked_at: datetime | None,
    call_started_at: datetime | None,
) -> None:
    """Online opinions are typed by their author; letters and calls by a clerk."""
    if (channel is Channel.ONLINE) != (keyed_by is None):
        raise InvalidProvenanceError("keyed_by is for mail and phone only")
    if postmarked_at is not None and channel is not Channel.MAIL:
        raise InvalidProvenanceError("a postmark is for mail only")
    if call_started_at is not None and channel is not Channel.PHONE:
        raise InvalidProvenanceError("a call start is for phone only")


def check_fields(
    text: str, language: str, region: str | None, source_reference: str | None
) -> None:
    validate_text(text)
    if language not in {member.value for member in Language}:
        raise InvalidLanguageError(language)
    if region is not None and region not in REGIONS:
        raise InvalidRegionError(region)
    if source_reference is not None:
        validate_text(source_reference, max_length=200)


def check_brief(brief_size: int | None, brief_sha256: str | None) -> None:
    """A brief is named by its content's SHA-256 and is at most 10 MB; or there is none."""
    if brief_size is None and brief_sha256 is None:
        return
    if brief_size is None or not 0 < brief_size <= MAX_BRIEF_BYTES:
        raise InvalidBriefError(f"size {brief_size}")
    if brief_sha256 is None or not _is_sha256(brief_sha256):
        raise InvalidBriefError("sha256")


SCAN_TYPES = ("application/pdf", "image/png", "image/jpeg")


def check_scan(
    channel: Channel, size: int | None, sha256: str | None, media_type: str | None
) -> None:
    """A letter's scan is a PDF, PNG or JPEG of at most 10 MB named by its SHA-256; only
    a letter has one."""
    if size is None and sha256 is None and media_type is None:
        return
    if channel is not Channel.MAIL:
        raise InvalidProvenanceError("a scan is for a letter only")
    if media_type not in SCAN_TYPES:
        raise InvalidBriefError(f"scan type {media_type}")
    check_brief(size, sha256)


def _is_sha256(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)
