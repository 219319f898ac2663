"""How long the wizard takes to decide whether a question is worth asking.

Before each optional question the wizard asks ``Relevance.can_matter``: can any answer to
it still change the recommendation, given the answers so far? That search runs between
two keystrokes, so it has to be quick. Measured along wizard walks through the corners of
the answer space (a fresh judge each walk: nothing cached), in CPU time of this process;
baseline: one whole recommendation for the answers each walk ends with, same run.

Target: the slowest decision <= 100 ms.
"""

from __future__ import annotations

import statistics
import time

from advisor.engine.evaluate import recommend
from advisor.engine.loader import load_rules
from advisor.questions.model import questions, validate_answers
from advisor.types import AnswerValue
from advisor.wizard.relevance import Relevance
from bench.report import machine, write_section

#: Walks through the answer space; each picks a different corner at every question.
WALKS = 40
TARGET_S = 0.1


def _walk(path: int) -> tuple[list[float], dict[str, AnswerValue]]:
    """CPU seconds of each decision along one walk, and the answers it ends with."""
    rules = load_rules()
    judge = Relevance(rules)
    known: dict[str, AnswerValue] = {}
    decisions = []
    for index, question in enumerate(questions()):
        if not question.required:
            started = time.process_time()
            judge.can_matter(question.key, known)
            decisions.append(time.process_time() - started)
        values = judge.values[question.key]
        known[question.key] = values[(path + index * 7) % len(values)]
    return decisions, known


def main(repeat: int = 15) -> str:
    """Run the benchmark, write its section, and return it."""
    del repeat  # the walks are the repetitions
    decisions: list[float] = []
    recommendations: list[float] = []
    for path in range(WALKS):
        times, answers = _walk(path)
        decisions.extend(times)
        valid = validate_answers(answers)
        started = time.process_time()
        recommend(valid)
        recommendations.append(time.process_time() - started)
    baseline = statistics.median(recommendations)
    worst = max(decisions)
    rows = [
        ("one whole recommendation (baseline)", recommendations),
        ("`can_matter`: one decision", decisions),
    ]
    lines = [
        "| what | runs | median (ms) | p99 (ms) | max (ms) | median ratio to the baseline |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, runs in rows:
        ordered = sorted(runs)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        lines.append(
            f"| {name} | {len(runs)} | {statistics.median(runs) * 1000:.2f} | {p99 * 1000:.2f} "
            f"| {max(runs) * 1000:.2f} | {statistics.median(runs) / baseline:.2f}x |"
        )
    verdict = "met" if worst <= TARGET_S else "NOT met"
    body = "\n".join(
        [
            "## The wizard: is a question worth asking?",
            "",
            f"{machine()}; {WALKS} wizard walks, a fresh judge each; CPU time of this process.",
            "",
            *lines,
            "",
            f"Target: the slowest decision <= {TARGET_S * 1000:.0f} ms: **{verdict}** "
            f"({worst * 1000:.1f} ms).",
        ]
    )
    write_section("relevance", body)
    return body


if __name__ == "__main__":
    print(main())
