"""What changes a learner's record: her account and places (``placement``), and her study (one
module per part of a program, and ``completion``, which decides when an enrollment is complete)."""

from learners.services.placement import (
    ERROR_OVER_CAPACITY,
    cohort_place_line,
    learner_password_changed,
    learners_for_roster,
    new_initial_password,
)

__all__ = [
    "ERROR_OVER_CAPACITY",
    "cohort_place_line",
    "learner_password_changed",
    "learners_for_roster",
    "new_initial_password",
]
