"""Consistency, measured: a share of first decisions goes back, blind, to a second
moderator, whose independent decision is recorded beside the first and changes
nothing. Agreement, and Cohen's kappa, say how consistently the charter is applied.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from hashlib import sha256
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidContentError, NotPendingError, SeparationOfDutiesError
from domain.submission import Submission
from domain.values import ReasonCode, StaffId, Status

CALIBRATION_NAMESPACE = UUID("3b7d2f9e-6a14-4c85-b0e2-9d51c7a8e640")
"""Never change: calibration ids already stored were derived from it."""
OUTCOMES = ("publish", "publish_with_redactions", "refuse")
DEFAULT_SHARE = 0.05


def sampled(submission_id: UUID, share: float) -> bool:
    """Whether this submission's first decision is calibrated: a fixed share, chosen by
    its id, so that every replay chooses the same ones."""
    draw = int.from_bytes(sha256(submission_id.bytes).digest()[:4], "big")
    return draw < share * 2**32


def first_decision(s: Submission) -> tuple[str, StaffId, list[str]]:
    """The outcome of the first decision taken on a submission, who took it, and its
    reasons; NotPendingError while there is none to compare with."""
    if s.status is Status.PUBLISHED and s.published_by is not None:
        outcome = "publish_with_redactions" if s.redactions else "publish"
        return outcome, s.published_by, sorted({str(r.reason) for r in s.redactions})
    if s.proposed_by is not None and s.refusal_reason is not None:
        return "refuse", s.proposed_by, [s.refusal_reason.value]
    raise NotPendingError("no first decision to calibrate against")


class Calibration(Aggregate):
    """A second, blind decision on a submission already decided: recorded, not applied."""

    @staticmethod
    def create_id(submission_id: UUID) -> UUID:
        """One calibration per submission."""
        return uuid5(CALIBRATION_NAMESPACE, str(submission_id))

    @classmethod
    def record(
        cls,
        submission: Submission,
        by: StaffId,
        at: datetime,
        outcome: str,
        reasons: Sequence[str],
    ) -> Calibration:
        first, first_by, first_reasons = first_decision(submission)
        if by in (first_by, submission.keyed_by):
            raise SeparationOfDutiesError("the calibrating moderator is never the one who decided")
        if outcome not in OUTCOMES:
            raise InvalidContentError(f"outcome {outcome}")
        codes = sorted({ReasonCode(r).value for r in reasons})
        return cls(
            id=cls.create_id(submission.id),
            submission_id=submission.id,
            by=by,
            at=at,
            outcome=outcome,
            reasons=codes,
            first_outcome=first,
            first_by=first_by,
            first_reasons=first_reasons,
        )

    class Recorded(Aggregate.Created):
        submission_id: UUID
        by: StaffId
        at: datetime
        outcome: str
        reasons: list[str]
        first_outcome: str
        first_by: StaffId
        first_reasons: list[str]

    @event(Recorded)
    def __init__(
        self,
        id: UUID,
        *,
        submission_id: UUID,
        by: StaffId,
        at: datetime,
        outcome: str,
        reasons: list[str],
        first_outcome: str,
        first_by: StaffId,
        first_reasons: list[str],
    ) -> None:
        self.submission_id, self.by, self.at = submission_id, by, at
        self.outcome, self.reasons = outcome, reasons
        self.first_outcome, self.first_by, self.first_reasons = (
            first_outcome,
            first_by,
            first_reasons,
        )


def cohens_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Agreement beyond chance between two raters over the same items: 1 is perfect,
    0 is what chance alone gives; None when chance alone would always agree."""
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)
