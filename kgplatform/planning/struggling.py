"""When a learner is struggling on a concept, and how that is said: one definition for the planner (which
sends such a learner back to the concept's settled prerequisites), the plan's reasons and the report's
summary for a teacher.

The summary said "Struggling (6 or more answers, mastery still below 60%)" while the plan's reason for the
same concept's tasks said "ready to learn ..." as for a new learner (5 December 2026): a learner failing a
root concept, with nothing easier to go back to, is given its tasks again and again, and the reason should
say why in the summary's words and by its thresholds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kgplatform.mastery.percent import mastery_percent

if TYPE_CHECKING:
    from kgplatform.planning.policy import PlanConfig


def is_struggling(attempts: np.ndarray | float, p_now: np.ndarray | float, config: PlanConfig) -> np.ndarray:
    """`config.send_back_after` answers or more on the concept and mastery now still below `config.ready_at`,
    elementwise. Mastery is compared in float32, the planner's matrices' type, so that the planner, its
    reasons and the report never disagree within about 3e-8 of the bar."""
    p = np.asarray(p_now, dtype=np.float32)
    return (np.asarray(attempts) >= config.send_back_after) & (p < np.float32(config.ready_at))


def struggling_rule(config: PlanConfig) -> str:
    """The rule in words, as the summary's heading gives it: "6 or more answers, mastery still below 60%"."""
    return f"{config.send_back_after} or more answers, mastery still below {mastery_percent(config.ready_at)}"


def struggling_evidence(attempts: int, p_now: float) -> str:
    """What a struggling learner has done on the concept, as both the summary and the reason say it:
    "7 answers, 12% now" (mastery rounded down, as everywhere it is shown)."""
    return f"{attempts:,} answer{'' if attempts == 1 else 's'}, {mastery_percent(p_now)} now"
