"""Render a project with cookiecutter, then move it into place all at once.

The pipeline, top to bottom:

1. check DEST (absent, empty, or ``force``),
2. render with cookiecutter's Python API into a temporary folder next to DEST (same
   filesystem, so the final moves are renames), with a throw-away cookiecutter config
   so nothing is written to the user's home (replay files, clones),
3. write the extra files (the ADR, the answers file) over the rendered tree,
4. move the tree into DEST: one rename when DEST is absent; when DEST exists, its old
   entries are moved aside first and deleted only once the new ones are all in place.

Any failure removes the temporary folder and leaves DEST as it was. Cookiecutter's
exceptions become one-line :class:`RenderError`. Nothing here prints.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from advisor.errors import RenderError
from advisor.render.context import ProjectSpec
from advisor.resources import templates_dir

_TEMP_PREFIX = ".advisor-new-"


def default_template_dir() -> Path:
    """The bundled ``microservices`` cookiecutter template."""
    return templates_dir() / "microservices"


def render(
    spec: ProjectSpec,
    dest: Path | str,
    *,
    template_dir: Path | None = None,
    force: bool = False,
    dry_run: bool = False,
    extra_files: Mapping[str, str] | None = None,
    replace: Sequence[str] = (),
) -> list[Path]:
    """Render ``spec`` into ``dest`` and return the files written, sorted.

    ``extra_files`` maps POSIX paths relative to the project root to text written after
    the template (overwriting the template's file of that name); ``replace`` lists glob
    patterns of template files removed first (e.g. the template's own ADR when the
    recommendation supplies one). With ``dry_run`` nothing is written at ``dest``: the
    result lists the files that would be. Paths are ``dest / relative path``.
    """
    dest = Path(dest)
    template = Path(template_dir) if template_dir is not None else default_template_dir()
    if not (template / "cookiecutter.json").is_file():
        raise RenderError(f"no cookiecutter template at {template}")
    extras = {_safe_relative(rel): text for rel, text in (extra_files or {}).items()}
    target = dest.absolute()
    _check_dest(target, force=force)

    if dry_run:
        # A dry run renders in the system temp folder: nothing may appear next to DEST.
        with tempfile.TemporaryDirectory(prefix=_TEMP_PREFIX) as preview:
            project = _render_tree(spec, template, Path(preview), extras, replace)
            return [dest / rel for rel in _relative_files(project)]

    created = _make_parents(target.parent)
    scratch = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=target.parent))
    try:
        project = _render_tree(spec, template, scratch, extras, replace)
        files = _relative_files(project)
        try:
            _move_into_place(project, target, scratch)
        except OSError as exc:
            raise RenderError(f"cannot move the project into {dest}: {_first_line(exc)}") from None
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        _remove_created(created)
        raise
    # Only now is the old content (moved aside into scratch) deleted.
    shutil.rmtree(scratch, ignore_errors=True)
    return [dest / rel for rel in files]


def _safe_relative(rel: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or "\\" in rel or not path.parts:
        raise RenderError(f"extra file path must be relative and inside the project: {rel!r}")
    return path


def _check_dest(target: Path, *, force: bool) -> None:
    if not target.exists() and not target.is_symlink():
        return
    if not target.is_dir() or target.is_symlink():
        raise RenderError(f"DEST {target}: exists and is not a directory (or is a symlink)")
    if any(target.iterdir()) and not force:
        raise RenderError(f"DEST {target}: exists and is not empty; use --force to replace it")


def _render_tree(
    spec: ProjectSpec,
    template: Path,
    scratch: Path,
    extras: Mapping[PurePosixPath, str],
    replace: Sequence[str],
) -> Path:
    """Run cookiecutter into ``scratch/out`` and apply the extras; return the project folder."""
    from cookiecutter.exceptions import (
        CookiecutterException,
        FailedHookException,
        UndefinedVariableInTemplate,
    )
    from cookiecutter.main import cookiecutter
    from jinja2 import TemplateError

    output = scratch / "out"
    output.mkdir()
    config = scratch / "cookiecutter-config.yml"
    # Our own config keeps replay files and clones in the scratch folder, not in $HOME,
    # and ignores any user config that could change defaults behind our back.
    config.write_text(
        f"cookiecutters_dir: {_yaml_str(scratch / 'cookiecutters')}\n"
        f"replay_dir: {_yaml_str(scratch / 'replay')}\n",
        encoding="utf-8",
    )
    try:
        with _stdout_to_stderr(), _quiet_cookiecutter_log():
            result: Any = cookiecutter(
                str(template),
                no_input=True,
                extra_context=spec.to_cookiecutter_context(),
                output_dir=str(output),
                config_file=str(config),
            )
    except FailedHookException as exc:
        raise RenderError(f"the template's hook failed: {_first_line(exc)}") from None
    except UndefinedVariableInTemplate as exc:
        raise RenderError(
            f"the template uses an undefined variable: {_first_line(exc.error.message)}"
        ) from None
    except CookiecutterException as exc:
        raise RenderError(f"cookiecutter failed: {_first_line(exc)}") from None
    except TemplateError as exc:
        raise RenderError(f"the template does not render: {_first_line(exc)}") from None
    except ValueError as exc:  # a context value outside a choice variable's list
        raise RenderError(f"the template rejects the context: {_first_line(exc)}") from None
    except OSError as exc:
        raise RenderError(f"cannot render the template: {_first_line(exc)}") from None
    project = Path(result)
    try:
        _apply_extras(project, extras, replace)
    except OSError as exc:
        raise RenderError(f"cannot write the project's files: {_first_line(exc)}") from None
    return project


def _apply_extras(
    project: Path, extras: Mapping[PurePosixPath, str], replace: Sequence[str]
) -> None:
    for pattern in replace:
        for path in project.glob(pattern):
            if path.is_file():
                path.unlink()
    for rel, text in extras.items():
        path = project.joinpath(*rel.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _relative_files(project: Path) -> list[PurePosixPath]:
    files = [
        PurePosixPath(path.relative_to(project).as_posix())
        for path in project.rglob("*")
        if path.is_file() or path.is_symlink()
    ]
    return sorted(files)


def _move_into_place(project: Path, target: Path, scratch: Path) -> None:
    """Make ``target`` hold exactly ``project``'s entries, or leave it untouched on failure."""
    if not target.exists():
        os.rename(project, target)
        return
    # DEST exists (empty, or --force): keep the folder itself (it may be the shell's current
    # folder or a mount point) and swap its entries, keeping the old ones until all is done.
    aside = scratch / "previous"
    aside.mkdir()
    moved_aside: list[str] = []
    moved_in: list[str] = []
    try:
        for name in sorted(os.listdir(target)):
            os.rename(target / name, aside / name)
            moved_aside.append(name)
        for name in sorted(os.listdir(project)):
            os.rename(project / name, target / name)
            moved_in.append(name)
    except BaseException:
        for name in moved_in:
            with contextlib.suppress(OSError):
                os.rename(target / name, project / name)
        for name in moved_aside:
            os.rename(aside / name, target / name)
        raise


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and missing ancestors; return those created, deepest first."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(f"cannot create {folder}: {exc.strerror}") from None
    return missing


def _remove_created(created: list[Path]) -> None:
    for folder in created:  # deepest first; only if nothing else appeared in them
        with contextlib.suppress(OSError):
            folder.rmdir()


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send what template hooks print to stderr: stdout carries only the file list."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@contextlib.contextmanager
def _quiet_cookiecutter_log() -> Iterator[None]:
    """Drop cookiecutter's log records while it renders.

    On a failing hook it logs the exception with its traceback, which Python's last-resort
    handler prints to stderr; the failure reaches the user as one RenderError line instead.
    """
    logger = logging.getLogger("cookiecutter")
    sink = logging.NullHandler()
    propagate = logger.propagate
    logger.addHandler(sink)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(sink)
        logger.propagate = propagate


def _yaml_str(path: Path) -> str:
    # A double-quoted YAML scalar: JSON string syntax is valid YAML.
    import json

    return json.dumps(str(path))


def _first_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 300 else text[:297] + "..."


__all__ = ["default_template_dir", "render"]
