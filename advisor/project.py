"""A project to render and the decision behind it: the files rendering adds to the template's.

``advisor new`` and ``advisor update`` both render a :class:`Plan`: the validated project
options, and, when the project follows a recommendation, the answers it was decided from.
Besides the template's files a rendering writes the project record (always) and the ADR
of the decision (when there is one); :func:`plan_files` makes both, so a project rendered
again from its record gets the same bytes.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from advisor import record
from advisor.recommendation import Recommendation
from advisor.render.context import ProjectSpec
from advisor.types import AnswerValue

#: Globs of template files the decision's own versions replace (the template's stock ADR).
REPLACED_BY_DECISION = ("docs/adr/0001-*.md",)


@dataclass(frozen=True)
class Plan:
    """What to render: the spec, and the decision it comes from when there is one."""

    spec: ProjectSpec
    rec: Recommendation | None = None
    answers: Mapping[str, AnswerValue] = field(default_factory=dict)
    given: frozenset[str] = frozenset()
    date: datetime.date | None = None
    shared_database_reason: str | None = None


def plan_files(plan: Plan, template_dir: Path) -> dict[str, str]:
    """The files rendering adds: the project record, and the ADR when there is a decision."""
    kept = record.make_record(
        plan.spec,
        template_dir=template_dir,
        answers=plan.answers,
        given=plan.given,
        date=plan.date if plan.rec is not None else None,
        shared_database_reason=plan.shared_database_reason,
    )
    files = {record.RECORD_FILE: record.dump(kept)}
    if plan.rec is not None:
        from advisor.report.adr import adr_filename, adr_markdown

        spec = plan.spec
        # The same ADR `advisor recommend --format markdown` prints for these answers.
        files[f"docs/adr/{adr_filename(plan.rec)}"] = adr_markdown(
            plan.rec,
            owner=spec.owner,
            consumer=spec.consumer,
            entity=spec.entity,
            date=plan.date,
        )
    return files


def replaced(plan: Plan) -> tuple[str, ...]:
    """The template files the plan's own files replace."""
    return REPLACED_BY_DECISION if plan.rec is not None else ()


__all__ = ["REPLACED_BY_DECISION", "Plan", "plan_files", "replaced"]
