"""Every projection Tribune runs, in one list."""

from __future__ import annotations

from domain.calibration import DEFAULT_SHARE
from projections.admin import AdminConsultations
from projections.calibration import CalibrationQueue
from projections.clerk import ClerkSubmissions
from projections.email import OutgoingEmail
from projections.engine.base import Projection
from projections.moderation import ModerationQueue
from projections.public_consultations import PublicConsultations
from projections.public_submissions import OpenSealed, PublicSubmissions


def _sealed_shut(key: bytes | None, sealed: str | None) -> None:
    """Without the app's vault, no personal field is ever opened."""


def all_projections(
    pseudonym_key: bytes = b"tribune-development",
    open_sealed: OpenSealed = _sealed_shut,
    calibration_share: float = DEFAULT_SHARE,
) -> list[Projection]:
    return [
        PublicConsultations(),
        PublicSubmissions(pseudonym_key, open_sealed),
        AdminConsultations(),
        OutgoingEmail(),
        ClerkSubmissions(),
        ModerationQueue(),
        CalibrationQueue(calibration_share),
    ]
