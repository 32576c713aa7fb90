"""Calibration: a fixed share of first decisions, chosen by id; a second blind decision
recorded beside the first, never by who decided; and Cohen's kappa on a known example."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain import Calibration, NotPendingError, SeparationOfDutiesError
from domain.calibration import cohens_kappa, sampled
from domain.values import ReasonCode
from tests.unit.builders import CLERK, DURING, MODERATOR, SECOND_MODERATOR, keyed_letter


def test_the_share_sampled_is_near_the_share_asked_and_the_same_each_time() -> None:
    ids = [uuid4() for _ in range(20_000)]
    share = sum(sampled(i, 0.05) for i in ids) / len(ids)
    assert 0.04 < share < 0.06
    assert [sampled(i, 0.05) for i in ids[:100]] == [sampled(i, 0.05) for i in ids[:100]]
    assert not any(sampled(i, 0) for i in ids[:100])


def test_a_second_decision_is_recorded_beside_the_first_and_changes_nothing() -> None:
    letter = keyed_letter()
    letter.publish_with_redactions(MODERATOR, DURING, [(0, 2, ReasonCode("R3"))])
    calibration = Calibration.record(letter, SECOND_MODERATOR, DURING, "refuse", ["R8"])
    assert (calibration.first_outcome, calibration.first_by) == (
        "publish_with_redactions",
        MODERATOR,
    )
    assert (calibration.first_reasons, calibration.reasons) == (["R3"], ["R8"])
    assert letter.status.value == "published"


def test_neither_who_decided_nor_who_keyed_calibrates_and_an_undecided_one_cannot() -> None:
    letter = keyed_letter()
    with pytest.raises(NotPendingError):
        Calibration.record(letter, SECOND_MODERATOR, DURING, "publish", [])
    letter.propose_refusal(MODERATOR, DURING, ReasonCode("R8"))
    for who in (MODERATOR, CLERK):
        with pytest.raises(SeparationOfDutiesError):
            Calibration.record(letter, who, DURING, "refuse", ["R8"])


def test_cohens_kappa_on_a_known_example() -> None:
    # 50 items: both publish 20, both refuse 15; 5 + 10 disagree.
    # p_o = 35/50 = 0.7; p_e = (25*30 + 25*20) / 2500 = 0.5; kappa = 0.2/0.5 = 0.4
    pairs = (
        [("publish", "publish")] * 20
        + [("refuse", "refuse")] * 15
        + [("publish", "refuse")] * 5
        + [("refuse", "publish")] * 10
    )
    kappa = cohens_kappa(pairs)
    assert kappa is not None
    assert kappa == pytest.approx(0.4)
    assert cohens_kappa([]) is None
    assert cohens_kappa([("publish", "publish")] * 3) is None  # chance alone agrees
