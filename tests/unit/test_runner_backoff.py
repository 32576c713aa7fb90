"""A projection that keeps failing the same way is retried less and less often: the log
gets one ERROR a minute at most, not a flood, and a repair is still taken up soon."""

from __future__ import annotations

from projections.engine.tasks import Backoff


def test_each_failure_in_a_row_doubles_the_pause_up_to_the_limit() -> None:
    backoff = Backoff(first=1.0, limit=60.0)
    pauses = [backoff.failed("admin_consultations") for _ in range(9)]
    assert pauses == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_a_success_brings_the_pause_back_to_the_first() -> None:
    backoff = Backoff(first=1.0, limit=60.0)
    for _ in range(5):
        backoff.failed("admin_consultations")
    backoff.succeeded("admin_consultations")
    assert backoff.pause("admin_consultations") == 1
    assert backoff.failed("admin_consultations") == 1


def test_a_failure_lengthens_only_its_own_projection_s_pause() -> None:
    backoff = Backoff(first=1.0, limit=60.0)
    for _ in range(3):
        backoff.failed("admin_consultations")
    assert backoff.pause("public_consultations") == 1


def test_years_of_failures_never_overflow_the_pause() -> None:
    backoff = Backoff(first=1.0, limit=60.0)
    for _ in range(5000):
        backoff.failed("admin_consultations")
    assert backoff.pause("admin_consultations") == 60
