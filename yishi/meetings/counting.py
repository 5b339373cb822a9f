"""Quorum and vote thresholds, in integer arithmetic only (no float ever decides a vote).

- Quorum: ``majority`` needs more than half of the voting members present (n // 2 + 1); ``two_thirds`` needs
  at least two thirds (present × 3 ≥ 2 × n); ``none`` needs nobody.
- Thresholds: a majority passes when for × 2 > base (a tie fails); two thirds passes when for × 3 ≥ 2 × base.
  The base is the voting members present (``*_present``) or all voting members (``*_members``). Abstentions
  count as present but never as for. Nothing passes with no vote for it.
"""

from __future__ import annotations

from .models import QuorumRule, ThresholdRule


def quorum_required(rule: str, members: int) -> int:
    """How many voting members must be present under ``rule`` for a body of ``members``."""
    if rule == QuorumRule.MAJORITY:
        return members // 2 + 1
    if rule == QuorumRule.TWO_THIRDS:
        return (2 * members + 2) // 3  # the least p with 3p >= 2n
    return 0


def passes(rule: str, *, votes_for: int, present: int, members: int) -> bool:
    """Whether ``votes_for`` carries an item under ``rule``."""
    base = members if rule in (ThresholdRule.MAJORITY_MEMBERS, ThresholdRule.TWO_THIRDS_MEMBERS) else present
    if votes_for <= 0:
        return False
    if rule in (ThresholdRule.TWO_THIRDS_PRESENT, ThresholdRule.TWO_THIRDS_MEMBERS):
        return votes_for * 3 >= 2 * base
    return votes_for * 2 > base
