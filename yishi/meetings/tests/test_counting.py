"""Quorum and thresholds in integer arithmetic: boundaries, ties, abstentions."""

import pytest

from yishi.meetings.counting import passes, quorum_required


@pytest.mark.parametrize(
    "rule,members,required",
    [
        ("majority", 9, 5),
        ("majority", 8, 5),
        ("majority", 112, 57),
        ("two_thirds", 9, 6),
        ("two_thirds", 8, 6),
        ("two_thirds", 112, 75),
        ("two_thirds", 3, 2),
        ("none", 9, 0),
    ],
)
def test_quorum_required(rule, members, required):
    assert quorum_required(rule, members) == required


@pytest.mark.parametrize(
    "rule,votes_for,present,members,expected",
    [
        # simple majority of those present: more than half, a tie fails
        ("majority_present", 5, 9, 12, True),
        ("majority_present", 4, 8, 12, False),  # tie
        ("majority_present", 5, 8, 12, True),
        ("majority_present", 4, 9, 9, False),  # 4 for, 5 abstaining: abstentions are not for
        # majority of all members, however many came
        ("majority_members", 5, 5, 9, True),
        ("majority_members", 5, 5, 10, False),  # half of the members is a tie
        ("majority_members", 6, 6, 10, True),
        # two thirds: for × 3 ≥ 2 × base
        ("two_thirds_present", 6, 9, 12, True),
        ("two_thirds_present", 5, 8, 12, False),
        ("two_thirds_present", 2, 3, 3, True),
        ("two_thirds_present", 5, 9, 9, False),
        ("two_thirds_members", 6, 6, 9, True),
        ("two_thirds_members", 6, 9, 10, False),
        ("two_thirds_members", 7, 7, 10, True),
        # nothing passes with no vote for it, even with nobody present
        ("two_thirds_present", 0, 0, 0, False),
        ("majority_present", 0, 0, 0, False),
    ],
)
def test_threshold(rule, votes_for, present, members, expected):
    assert passes(rule, votes_for=votes_for, present=present, members=members) is expected
