"""A consultation's page as the public reads it, and as the organizers preview it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from projections.consultation_queries import Consultation


def consultation_context(c: Consultation, now: datetime, preview: bool = False) -> dict[str, Any]:
    """The consultation page's values, for the public page and the admin's preview alike,
    so that the preview cannot drift from what the public reads.

    A preview of a consultation not yet open (a draft, or scheduled) shows the ways to
    take part as they will read once it opens: the organizers proofread the phone
    number, its hours and the postal address before anyone else sees them. A draft's
    public pages do not exist yet: its preview names them without linking to them.
    """
    phase = c.phase(now)
    ahead = preview and (c.status == "draft" or phase == "upcoming")
    return {
        "c": c,
        "phase": phase,
        "takes_mail": c.takes_mail(now),
        "ways_to_take_part": phase == "open" or ahead,
        "ways_shown_ahead": ahead,
        "unpublished": preview and c.status == "draft",
    }
