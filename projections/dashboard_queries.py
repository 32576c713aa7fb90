"""What the moderators' dashboard reads: the queue's length and age, decisions per
day, outcomes per channel (to spot unequal treatment of letters and calls), and how
often proposed refusals and appeals are overturned. Counts only, across consultations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.calibration import cohens_kappa

FIRST_DECISIONS = ["published", "published_with_redactions", "refusal_proposed"]


@dataclass(frozen=True)
class Agreement:
    """Over the last calibration pairs: how often the two blind decisions agree, Cohen's
    kappa over the outcome, and the agreement per reason code where there are enough."""

    pairs: int
    agreed: int
    kappa: float | None
    by_reason: list[tuple[str, int, int]]
    """(reason code of the first decision, pairs, agreed), for codes with enough pairs."""


async def agreement(conn: Any, last: int = 200, enough: int = 5) -> Agreement:
    rows = await conn.fetch(
        "SELECT first_outcome, first_reasons, second_outcome FROM calibration_pairs"
        " ORDER BY recorded_at DESC, submission_id LIMIT $1",
        last,
    )
    pairs = [(r["first_outcome"], r["second_outcome"]) for r in rows]
    by_code: dict[str, list[bool]] = {}
    for row in rows:
        for code in filter(None, row["first_reasons"].split(",")):
            by_code.setdefault(code, []).append(row["first_outcome"] == row["second_outcome"])
    return Agreement(
        pairs=len(pairs),
        agreed=sum(a == b for a, b in pairs),
        kappa=cohens_kappa(pairs),
        by_reason=[(c, len(v), sum(v)) for c, v in sorted(by_code.items()) if len(v) >= enough],
    )


@dataclass(frozen=True)
class Dashboard:
    waiting: int
    oldest: datetime | None
    per_day: list[tuple[datetime, int]]
    """The start of each day (Montréal), and the first decisions made that day."""
    outcomes: dict[str, dict[str, int]]
    """By channel, then by status."""
    refusals_proposed: int
    refusals_overturned: int
    appeals_decided: int
    appeals_granted: int
    calibration: Agreement
    channels: list[str] = field(default_factory=lambda: ["online", "mail", "phone"])

    @staticmethod
    def rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None


async def dashboard(conn: Any, days: int = 14) -> Dashboard:
    queue = await conn.fetchrow(
        "SELECT count(*)::int AS n, min(received_at) AS oldest FROM moderation_items"
        " WHERE stage IS NOT NULL"
    )
    per_day = await conn.fetch(
        "SELECT date_trunc('day', decided_at, 'America/Montreal') AS day, count(*)::int AS n"
        " FROM public_ledger WHERE decision = ANY($1::text[])"
        " GROUP BY day ORDER BY day DESC LIMIT $2",
        FIRST_DECISIONS,
        days,
    )
    outcomes: dict[str, dict[str, int]] = {}
    for row in await conn.fetch(
        "SELECT channel, status, sum(n)::int AS n FROM public_counts GROUP BY channel, status"
    ):
        outcomes.setdefault(row["channel"], {})[row["status"]] = row["n"]
    ledger = {
        row["decision"]: row["n"]
        for row in await conn.fetch(
            "SELECT decision, count(*)::int AS n FROM public_ledger GROUP BY decision"
        )
    }
    return Dashboard(
        waiting=queue["n"],
        oldest=queue["oldest"],
        per_day=[(row["day"], row["n"]) for row in per_day],
        outcomes=outcomes,
        refusals_proposed=ledger.get("refusal_proposed", 0),
        refusals_overturned=ledger.get("refusal_overturned", 0),
        appeals_decided=ledger.get("appeal_granted", 0) + ledger.get("appeal_dismissed", 0),
        appeals_granted=ledger.get("appeal_granted", 0),
        calibration=await agreement(conn),
    )
