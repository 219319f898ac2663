"""``advisor update``: decide again from changed facts, and carry a project there.

The project's record (:mod:`advisor.record`) says what it was rendered from. An update

1. decides again from the recorded answers overridden by the new ones, and compares the
   two recommendations;
2. renders the project twice with the installed advisor: from the record (the *base*) and
   from the new answers (the *target*);
3. merges, file by file, the change from base to target into the project as it is now
   (a three-way merge, as copier and cruft do, with ``git merge-file``): the team's own
   edits survive, a clash is left as standard conflict markers and listed, never silently
   overwritten; files of the team's own are never touched, nor are ADRs deleted;
4. when the decision changed, adds an ADR that supersedes the old one (status and links on
   both) and a migration note with the order of steps;
5. applies the result through a journal beside the project (:class:`_Journal`): a run
   killed half-way is rolled back by the next ``advisor update``, so a project is either
   as it was or fully updated.
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from advisor import record
from advisor.engine.evaluate import recommend
from advisor.errors import UpdateError
from advisor.project import Plan, plan_files, replaced
from advisor.questions.answers_file import read_mapping
from advisor.questions.model import validate_answers
from advisor.recommendation import Recommendation
from advisor.render.context import spec_from_recommendation
from advisor.render.scaffold import default_template_dir, render
from advisor.types import AnswerValue

Action = Literal["add", "update", "merge", "delete", "conflict"]
_ADR_DIR = "docs/adr"
_ADR_NAME = re.compile(r"^(\d{4})-(.+)\.md$")
_STAGING_PREFIX = ".advisor-update-"


@dataclass(frozen=True)
class FileChange:
    """What the update does to one file of the project."""

    path: str
    action: Action
    #: The file's new content; None when it is deleted.
    content: bytes | None
    #: Why, for a conflict.
    note: str = ""


@dataclass(frozen=True)
class Update:
    """A computed update: the two decisions, and the changes to the project's files."""

    project: Path
    old: Recommendation | None
    new: Recommendation | None
    old_plan: Plan
    new_plan: Plan
    changes: list[FileChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def conflicts(self) -> list[FileChange]:
        """The changes the team must resolve by hand."""
        return [change for change in self.changes if change.action == "conflict"]

    @property
    def decision_changed(self) -> bool:
        """Whether the patterns or the broker differ from the recorded project's."""
        old, new = self.old_plan.spec, self.new_plan.spec
        return (old.patterns, old.event_broker) != (new.patterns, new.event_broker)

    def diff(self) -> str:
        """The unified diff the update applies, file by file in path order."""
        out: list[str] = []
        for change in sorted(self.changes, key=lambda c: c.path):
            before = _read_text(self.project / change.path)
            after = change.content.decode("utf-8", "replace") if change.content else ""
            out.extend(
                difflib.unified_diff(
                    before.splitlines(keepends=True),
                    after.splitlines(keepends=True),
                    fromfile=f"a/{change.path}"
                    if before or change.action != "add"
                    else "/dev/null",
                    tofile=f"b/{change.path}" if change.content is not None else "/dev/null",
                )
            )
        return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def load_project(project: Path) -> record.Loaded:
    """The record of a project advisor rendered; a one-line error for anything else."""
    path = Path(project) / record.RECORD_FILE
    if not Path(project).is_dir():
        raise UpdateError(f"{project}: not a folder")
    if not path.is_file():
        raise UpdateError(
            f"{project}: no {record.RECORD_FILE}; only a project advisor new rendered can be "
            "updated"
        )
    data = read_mapping(path)
    if not record.is_record(data):
        raise UpdateError(f"{path}: an answers file, not a project record")
    return record.from_mapping(path, data)


def compute(
    project: Path,
    overrides: Mapping[str, object],
    *,
    today: datetime.date | None = None,
) -> Update:
    """The update of ``project`` to the recorded answers overridden by ``overrides``."""
    project = Path(project)
    loaded = load_project(project)
    kept = loaded.record
    assert kept is not None  # load_project refuses anything else
    old_rec = recommend(loaded.answers, given=loaded.given) if loaded.answers else None
    old_plan = Plan(
        kept.project,
        old_rec,
        loaded.answers,
        loaded.given,
        kept.date,
        kept.shared_database_reason,
    )
    given = {key: value for key, value in overrides.items() if value is not None}
    notes: list[str] = []
    if not given and not loaded.answers:
        new_plan, new_rec = old_plan, None
    else:
        answers = validate_answers({**loaded.answers, **given})
        now_given = loaded.given | set(given)
        new_rec = recommend(answers, given=now_given)
        new_plan = _target_plan(old_plan, new_rec, answers, now_given, notes, today)
    with tempfile.TemporaryDirectory(prefix=_STAGING_PREFIX) as scratch:
        base = _render(old_plan, Path(scratch) / "base")
        target = _render(new_plan, Path(scratch) / "target")
        changes = _merge_trees(project, base, target)
    update = Update(project, old_rec, new_rec, old_plan, new_plan, changes, notes)
    if update.decision_changed and new_rec is not None:
        changes.extend(_decision_files(update, today or datetime.date.today()))
    return update


def _target_plan(
    old: Plan,
    rec: Recommendation,
    answers: Mapping[str, AnswerValue],
    given: frozenset[str] | set[str],
    notes: list[str],
    today: datetime.date | None,
) -> Plan:
    options = {
        key: value
        for key, value in old.spec.options().items()
        if key not in ("patterns", "broker", "api") and value is not None
    }
    # The api transport follows the recommendation when it asks for gRPC; else the
    # project's own choice stays while the api pattern does.
    if "api" in rec.patterns and rec.api in (None, "http") and old.spec.api_transport:
        options["api"] = old.spec.api_transport
    if options.get("bff") and not {"api", "sdk"} & set(rec.patterns):
        options["bff"] = False
        notes.append("the backend for frontend needs the api or sdk pattern: it is removed")
    if rec.broker is None and old.spec.event_broker is not None:
        options["broker"] = old.spec.event_broker
    spec = spec_from_recommendation(rec, options)
    same = (spec.patterns, spec.event_broker) == (old.spec.patterns, old.spec.event_broker)
    date = old.date if same and old.date else (today or datetime.date.today())
    return Plan(spec, rec, dict(answers), frozenset(given), date, old.shared_database_reason)


def _render(plan: Plan, dest: Path) -> Path:
    template = default_template_dir()
    render(
        plan.spec,
        dest,
        template_dir=template,
        extra_files=plan_files(plan, template),
        replace=replaced(plan),
    )
    return dest


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def _merge_trees(project: Path, base_dir: Path, target_dir: Path) -> list[FileChange]:
    """Each file's change from base to target, merged into the project's own version."""
    base, target = _files(base_dir), _files(target_dir)
    changes: list[FileChange] = []
    for path in sorted(base.keys() | target.keys()):
        old, new = base.get(path), target.get(path)
        if old == new:
            continue  # the update changes nothing here: the team's version stands
        current_path = project / path
        current = current_path.read_bytes() if current_path.is_file() else None
        change = _merge_file(path, old, new, current)
        if change is not None:
            changes.append(change)
    return changes


def _merge_file(
    path: str, old: bytes | None, new: bytes | None, current: bytes | None
) -> FileChange | None:
    if new is None:  # the target drops the file
        if current is None or path.startswith(f"{_ADR_DIR}/") or path == record.RECORD_FILE:
            return None  # already gone; decisions stay on record
        if current == old:
            return FileChange(path, "delete", None)
        return FileChange(
            path, "conflict", current, "edited here, and no longer part of the project"
        )
    if current is None:
        if old is None:
            return FileChange(path, "add", new)
        return None  # the team deleted it: the update does not bring it back
    if current == new:
        return None
    if current == old or path == record.RECORD_FILE:
        return FileChange(path, "update", new)
    merged, clean = _merge3(current, old or b"", new)
    if clean:
        return FileChange(path, "merge", merged)
    return FileChange(path, "conflict", merged, "both sides changed the same lines")


def _merge3(current: bytes, base: bytes, target: bytes) -> tuple[bytes, bool]:
    """``git merge-file``: the target's change applied to ``current``; clean or with markers."""
    with tempfile.TemporaryDirectory(prefix=_STAGING_PREFIX) as scratch:
        paths = []
        for name, content in (("current", current), ("base", base), ("target", target)):
            path = Path(scratch) / name
            path.write_bytes(content)
            paths.append(str(path))
        try:
            done = subprocess.run(
                [
                    "git",
                    "merge-file",
                    "-p",
                    "-L",
                    "yours",
                    "-L",
                    "base",
                    "-L",
                    "advisor update",
                    *paths,
                ],
                capture_output=True,
                check=False,
            )
        except OSError as exc:
            raise UpdateError(f"cannot run git merge-file ({exc.strerror}): install git") from None
    if done.returncode < 0 or done.returncode > 127:
        raise UpdateError(f"git merge-file failed: {done.stderr.decode(errors='replace')[:200]}")
    return done.stdout, done.returncode == 0


def _decision_files(update: Update, today: datetime.date) -> list[FileChange]:
    """A new ADR superseding the old one (both linked), and the migration note."""
    assert update.new is not None
    adr_dir = update.project / _ADR_DIR
    existing = sorted(p.name for p in adr_dir.glob("*.md")) if adr_dir.is_dir() else []
    numbered = [(int(m.group(1)), name) for name in existing if (m := _ADR_NAME.match(name))]
    number = max((n for n, _ in numbered), default=0) + 1
    new_name = _adr_name(update.new, number)
    old_names = [name for _, name in numbered]
    previous = old_names[-1] if old_names else None
    changes: list[FileChange] = []
    body = _new_adr_text(update, previous, new_name)
    changes.append(FileChange(f"{_ADR_DIR}/{new_name}", "add", body.encode("utf-8")))
    # Drop the target's own copy of the new decision's ADR (numbered 0001 by the renderer).
    target_adr = f"{_ADR_DIR}/{_adr_name(update.new)}"
    update.changes[:] = [c for c in update.changes if c.path != target_adr]
    if previous is not None:
        old_path = adr_dir / previous
        text = old_path.read_text("utf-8")
        superseded = _supersede(text, new_name)
        changes.append(FileChange(f"{_ADR_DIR}/{previous}", "update", superseded.encode("utf-8")))
    migration = _migration_text(update, new_name)
    changes.append(FileChange("docs/migration.md", "add", migration.encode("utf-8")))
    return changes


def _adr_name(rec: Recommendation, number: int = 1) -> str:
    from advisor.report.adr import adr_filename

    return adr_filename(rec, number)


def _new_adr_text(update: Update, previous: str | None, new_name: str) -> str:
    from advisor.report.adr import adr_markdown

    assert update.new is not None
    spec = update.new_plan.spec
    text = adr_markdown(
        update.new,
        owner=spec.owner,
        consumer=spec.consumer,
        entity=spec.entity,
        date=update.new_plan.date,
        number=int(new_name[:4]),
    )
    if previous is None:
        return text
    link = f"* Supersedes: [{previous.removesuffix('.md')}]({previous})"
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("* Status:"):
            lines.insert(index + 1, link)
            break
    else:
        lines.insert(1, "\n" + link)
    return "\n".join(lines) + "\n"


def _supersede(text: str, new_name: str) -> str:
    lines = text.splitlines()
    status = f"* Status: superseded by [{new_name.removesuffix('.md')}]({new_name})"
    for index, line in enumerate(lines):
        if line.startswith("* Status:"):
            lines[index] = status
            break
    else:
        lines.insert(1, "\n" + status)
    return "\n".join(lines) + "\n"


#: What each pattern change needs, in the order a team does it safely.
_STEPS: dict[str, list[str]] = {
    "add:event": [
        "Deploy the owner with the transactional outbox and the relay; watch the relay's "
        "lag metric until it stays near zero.",
    ],
    "add:replica": [
        "Deploy the consumer's projector next to the current read path (dual-run): it fills "
        "the replica from events while reads still go the old way.",
        "Backfill: run the bootstrap from the owner's export (`bootstrap.py`), which pages "
        "through `GET /<entity>s` and applies each row as an event would.",
        "Compare the replica with the owner for a sample of ids; then switch reads to the "
        "replica, behind a flag you can turn back.",
    ],
    "remove:api": [
        "Once nothing calls the owner's API for this data (watch its request metrics), "
        "remove the old client path from the consumer.",
    ],
    "add:api": [
        "Deploy the consumer's resilient client (timeouts, retries, circuit breaker) and "
        "switch reads to it behind a flag.",
    ],
    "remove:replica": [
        "Switch reads to the new path first; then stop the projector and drop the replica table.",
    ],
    "add:sdk": ["Publish the owner's SDK (libs/) and move callers to it one at a time."],
    "remove:sdk": ["Move every caller off the SDK, then stop publishing it."],
    "remove:event": [
        "Stop the consumers first, then the relay; drain the outbox before dropping it.",
    ],
}


def _migration_text(update: Update, new_adr: str) -> str:
    old, new = set(update.old_plan.spec.patterns), set(update.new_plan.spec.patterns)
    steps: list[str] = []
    for key in [f"add:{p}" for p in ("event", "replica", "api", "sdk") if p in new - old] + [
        f"remove:{p}" for p in ("api", "sdk", "replica", "event") if p in old - new
    ]:
        steps.extend(_STEPS[key])
    old_broker, new_broker = update.old_plan.spec.event_broker, update.new_plan.spec.event_broker
    if old_broker and new_broker and old_broker != new_broker:
        steps.insert(
            0,
            f"Run {new_broker} beside {old_broker}; point the relay at {new_broker} while "
            f"consumers still read {old_broker} until it is drained, then move the consumers "
            "(their processed-ids table makes the overlap safe).",
        )
    lines = [
        "# Migration",
        "",
        f"From patterns {','.join(sorted(old))} ({old_broker or 'no broker'}) to "
        f"{','.join(update.new_plan.spec.patterns)} ({new_broker or 'no broker'}), as decided "
        f"in [{new_adr.removesuffix('.md')}](adr/{new_adr}). Do the steps in this order; "
        "each can be rolled back on its own:",
        "",
        *(f"{n}. {step}" for n, step in enumerate(steps or ["Deploy the updated services."], 1)),
        "",
    ]
    return "\n".join(lines)


# Applying the changes: a journal beside the project, rolled back if a run dies half-way.


def staging_dir(project: Path) -> Path:
    """Where an update of ``project`` stages its files (same filesystem, beside it)."""
    project = Path(project).absolute()
    return project.parent / f"{_STAGING_PREFIX}{project.name}"


def recover(project: Path) -> bool:
    """Roll back an update that was killed half-way; True if there was one."""
    staging = staging_dir(project)
    journal = staging / "journal.json"
    if not staging.exists():
        return False
    if journal.is_file():
        state = json.loads(journal.read_text("utf-8"))
        for entry in reversed(state["ops"]):
            target = Path(project) / entry["path"]
            saved = staging / "old" / entry["path"]
            if saved.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(saved, target)
            elif not entry["existed"] and target.exists():
                target.unlink()
        for folder in reversed(state["created_dirs"]):
            with contextlib.suppress(OSError):
                (Path(project) / folder).rmdir()
    shutil.rmtree(staging, ignore_errors=True)
    return True


def apply(update: Update) -> None:
    """Write the changes into the project: all of them, or (after a crash) none."""
    project = update.project
    staging = staging_dir(project)
    if staging.exists():
        raise UpdateError(f"{staging} exists: another update is running, or remove it")
    (staging / "new").mkdir(parents=True)
    ops: list[dict[str, object]] = []
    created_dirs: list[str] = []
    for change in update.changes:
        if change.content is not None:
            staged = staging / "new" / change.path
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(change.content)
            _copy_mode(project / change.path, staged)
        ops.append({"path": change.path, "existed": (project / change.path).exists()})
        for parent in reversed(Path(change.path).parents[:-1]):
            if not (project / parent).exists() and parent.as_posix() not in created_dirs:
                created_dirs.append(parent.as_posix())
    journal = staging / "journal.json"
    journal.write_text(json.dumps({"ops": ops, "created_dirs": created_dirs}), encoding="utf-8")
    # From here on, recover() undoes whatever was done.
    for change in update.changes:
        target = project / change.path
        if target.exists():
            saved = staging / "old" / change.path
            saved.parent.mkdir(parents=True, exist_ok=True)
            os.replace(target, saved)
        if change.content is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / "new" / change.path, target)
    journal.unlink()  # the commit point: the update is complete
    shutil.rmtree(staging, ignore_errors=True)


def _copy_mode(source: Path, staged: Path) -> None:
    with contextlib.suppress(OSError):
        os.chmod(staged, source.stat().st_mode & 0o7777)


def dirty(project: Path) -> str | None:
    """Why the project's work tree is not clean (uncommitted changes, no git); None if clean."""
    try:
        done = subprocess.run(
            ["git", "status", "--porcelain", "--", "."],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "git is not installed, so its uncommitted changes cannot be seen"
    if done.returncode != 0:
        return "it is not in a git repository, so its own edits cannot be told apart"
    changed = [line[3:] for line in done.stdout.splitlines() if line.strip()]
    if changed:
        return f"{len(changed)} uncommitted change(s), e.g. {changed[0]}"
    return None


def behind(project: Path) -> str | None:
    """For ``--check``: why the project is behind its template or its decision; None if not."""
    loaded = load_project(project)
    kept = loaded.record
    assert kept is not None
    template = record.fingerprint(default_template_dir())
    if kept.template != template:
        return (
            f"rendered with template {kept.template} (advisor {kept.advisor}); "
            f"this advisor's is {template}: run `advisor update {project}`"
        )
    if loaded.answers:
        rec = recommend(loaded.answers)
        spec = kept.project
        if (tuple(rec.patterns), rec.broker) != (spec.patterns, spec.event_broker):
            return (
                f"the recorded answers now recommend {','.join(rec.patterns)}"
                f"{' over ' + rec.broker if rec.broker else ''}, the project has "
                f"{','.join(spec.patterns)}: run `advisor update {project}`"
            )
    return None


def _read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def walk_changes(update: Update) -> Iterator[tuple[str, str, str]]:
    """(action, path, note) for each change, in path order."""
    for change in sorted(update.changes, key=lambda c: c.path):
        yield change.action, change.path, change.note


__all__ = [
    "FileChange",
    "Update",
    "apply",
    "behind",
    "compute",
    "dirty",
    "load_project",
    "recover",
    "staging_dir",
    "walk_changes",
]
