"""Every projection Tribune runs, in one list."""

from __future__ import annotations

from projections.base import Projection
from projections.public import PublicConsultations, PublicSubmissions


def all_projections(pseudonym_key: bytes = b"tribune-development") -> list[Projection]:
    return [PublicConsultations(), PublicSubmissions(pseudonym_key)]
