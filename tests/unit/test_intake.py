"""Provenance per channel: the only difference between online, mail and phone."""

from __future__ import annotations

import pytest

from domain import (
    Channel,
    InvalidLanguageError,
    InvalidProvenanceError,
    InvalidRegionError,
    InvalidTextError,
)
from domain.intake import check_fields, check_provenance
from tests.unit.builders import CLERK, DURING


@pytest.mark.parametrize(
    ("channel", "keyed_by", "postmarked_at", "call_started_at"),
    [
        (Channel.ONLINE, None, None, None),
        (Channel.MAIL, CLERK, DURING, None),
        (Channel.PHONE, CLERK, None, DURING),
    ],
)
def test_each_channel_has_its_own_provenance(
    channel: Channel, keyed_by: object, postmarked_at: object, call_started_at: object
) -> None:
    check_provenance(channel, keyed_by, postmarked_at, call_started_at)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("channel", "keyed_by", "postmarked_at", "call_started_at"),
    [
        (Channel.ONLINE, CLERK, None, None),
        (Channel.PHONE, None, None, DURING),
        (Channel.MAIL, CLERK, DURING, DURING),
        (Channel.PHONE, CLERK, DURING, DURING),
    ],
)
def test_mixed_up_provenance_is_refused(
    channel: Channel, keyed_by: object, postmarked_at: object, call_started_at: object
) -> None:
    with pytest.raises(InvalidProvenanceError):
        check_provenance(channel, keyed_by, postmarked_at, call_started_at)  # type: ignore[arg-type]


def test_fields_are_checked_one_by_one() -> None:
    check_fields("Avis", "en", "17", "APPEL-12")
    with pytest.raises(InvalidLanguageError):
        check_fields("Avis", "FR", None, None)
    with pytest.raises(InvalidRegionError):
        check_fields("Avis", "fr", "6", None)
    with pytest.raises(InvalidTextError):
        check_fields("Avis", "fr", None, "réf\x00")
