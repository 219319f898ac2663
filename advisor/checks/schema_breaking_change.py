"""``schema-breaking-change``: an event schema version breaks the declared compatibility."""

from __future__ import annotations

import json
import re
from pathlib import Path

from advisor.checks import _project as p
from advisor.checks.compatibility import compatibility_problems, versions_to_compare
from advisor.checks.model import Check, CheckOptions, Finding, Visitor

_VERSION_FILE = re.compile(r"^v(\d+)\.schema\.json$")


def _versions(folder: Path) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for path in folder.iterdir():
        if match := _VERSION_FILE.match(path.name):
            found[int(match.group(1))] = path
    return found


def run(project: Path, options: CheckOptions) -> list[Finding]:
    """Compare each ``contracts/events/<type>/v<N>.schema.json`` with earlier versions."""
    base = project / "contracts" / "events"
    if not base.is_dir():
        return []
    mode = options.compatibility
    findings: list[Finding] = []
    for folder in sorted(d for d in base.iterdir() if d.is_dir()):
        files = _versions(folder)
        schemas: dict[int, dict[str, object]] = {}
        for version, path in sorted(files.items()):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                findings.append(
                    CHECK.finding(p.relative(project, path), f"not a readable JSON Schema: {exc}")
                )
                continue
            if isinstance(data, dict):
                schemas[version] = data
        for version in sorted(schemas):
            earlier = [v for v in schemas if v < version]
            for old in versions_to_compare(earlier, mode):
                problems = compatibility_problems(schemas[old], schemas[version], mode)
                if problems:
                    findings.append(
                        CHECK.finding(
                            p.relative(project, files[version]),
                            f"{folder.name} v{version} is not {mode}-compatible with "
                            f"v{old}: " + "; ".join(problems),
                        )
                    )
    return findings


class _Visitor(Visitor):
    def finish(self) -> None:
        self.findings += run(self.project.root, self.project.options)


CHECK = Check(
    id="schema-breaking-change",
    level="error",
    title="Event schema change breaks compatibility",
    anti_pattern="A new event schema version that old consumers cannot read, or that cannot "
    "read events already in the log.",
    best_practice="Version event schemas and evolve them compatibly: under FULL only optional "
    "fields may be added or removed.",
    convention=(
        "Every `contracts/events/<event-type>/v<N>.schema.json` is compared with the previous "
        "version (or with all earlier ones in a *_TRANSITIVE mode) under `--compatibility` "
        "(default: the `compatibility` key of `.advisor-answers.yml`, else FULL). BACKWARD = the "
        "new schema reads old data (a new required field without `default` breaks); FORWARD = "
        "old schemas read new data (removing a required field breaks); FULL = both. Type "
        "changes, narrowed enums and `additionalProperties: false` rejecting fields also break; "
        "a rename is a removal plus an addition."
    ),
    source="docs/data-sharing-guide.md: "
    "Best Practices (schema versioning and backward compatibility); "
    "Confluent Schema Registry compatibility types",
    visitor=_Visitor,
)
