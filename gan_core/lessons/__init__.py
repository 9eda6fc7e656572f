"""Lessons: presets that each show one GAN phenomenon, with a claim the code checks.

`model` holds what a lesson is and how it is judged and verified; `catalogue` the lessons
GANscope ships. Importing this package registers them, so `LESSONS` is always complete.
"""
from . import catalogue  # noqa: F401  (registers the lessons)
from .model import (
                    LESSONS,
                    ClaimCheck,
                    Lesson,
                    LessonRun,
                    Outcome,
                    judge,
                    parse_tag,
                    passing_needed,
                    settings_beside,
                    table,
                    verify,
)

__all__ = ["LESSONS", "ClaimCheck", "Lesson", "LessonRun", "Outcome", "judge", "parse_tag",
           "passing_needed", "settings_beside", "table", "verify"]
