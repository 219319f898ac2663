"""The atomic render: DEST is either the complete new tree or exactly what it was before."""

from __future__ import annotations

import ast
import os
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from advisor.errors import RenderError
from advisor.render import scaffold
from advisor.render.context import ProjectSpec, make_spec
from advisor.render.scaffold import render

Snapshot = Callable[[Path], dict[str, bytes]]


@pytest.fixture
def spec() -> ProjectSpec:
    return make_spec({"patterns": "api,replica", "broker": "rabbitmq"})


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".advisor-new-"))


def test_renders_into_absent_dest(tmp_path: Path, spec: ProjectSpec, mini_template: Path) -> None:
    dest = tmp_path / "project"
    files = render(spec, dest, template_dir=mini_template)
    on_disk = sorted(p for p in dest.rglob("*") if p.is_file())
    assert files == on_disk
    assert dest / "src" / "user_service" / "__init__.py" in files
    readme = (dest / "README.md").read_text("utf-8")
    assert "Patterns: api,event,replica. Broker: rabbitmq." in readme
    assert _leftovers(tmp_path) == []


def test_creates_missing_parents(tmp_path: Path, spec: ProjectSpec, mini_template: Path) -> None:
    dest = tmp_path / "a" / "b" / "project"
    render(spec, dest, template_dir=mini_template)
    assert (dest / "README.md").is_file()


def test_hostile_but_valid_name_renders_parseable_files(
    tmp_path: Path, mini_template: Path
) -> None:
    name = "Qu\"o't\\e \\n é 🚀 ${HOME} $(id) `id`"
    spec = make_spec({"patterns": "event", "name": name})
    dest = tmp_path / "project"
    render(spec, dest, template_dir=mini_template)
    module = ast.parse((dest / "src" / "user_service" / "__init__.py").read_text("utf-8"))
    constants = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in module.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        if isinstance(node.value, ast.Constant)
    }
    assert constants["PROJECT_NAME"] == name
    pyproject = tomllib.loads((dest / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["description"] == name
    assert pyproject["project"]["name"] == spec.slug
    assert yaml.safe_load((dest / "config.yml").read_text("utf-8"))["project"] == name


def test_dry_run_writes_nothing_at_absent_dest(
    tmp_path: Path, spec: ProjectSpec, mini_template: Path
) -> None:
    dest = tmp_path / "project"
    files = render(spec, dest, template_dir=mini_template, dry_run=True)
    assert not dest.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert files == sorted(files)
    assert dest / "README.md" in files
    # The dry run lists the same files a real run writes.
    assert render(spec, dest, template_dir=mini_template) == files


def test_dry_run_leaves_existing_dest_byte_for_byte(
    tmp_path: Path, spec: ProjectSpec, mini_template: Path, snapshot: Snapshot
) -> None:
    dest = tmp_path / "project"
    (dest / "sub").mkdir(parents=True)
    (dest / "keep.txt").write_bytes(b"mine\x00\xff")
    (dest / "sub" / "README.md").write_text("old", encoding="utf-8")
    before = snapshot(dest)
    files = render(spec, dest, template_dir=mini_template, dry_run=True, force=True)
    assert dest / "README.md" in files
    assert snapshot(dest) == before
    assert _leftovers(tmp_path) == []


def test_non_empty_dest_is_refused_without_force(
    tmp_path: Path, spec: ProjectSpec, mini_template: Path, snapshot: Snapshot
) -> None:
    dest = tmp_path / "project"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine", encoding="utf-8")
    before = snapshot(dest)
    for dry_run in (False, True):
        with pytest.raises(RenderError, match="not empty; use --force"):
            render(spec, dest, template_dir=mini_template, dry_run=dry_run)
    assert snapshot(dest) == before


def test_dest_that_is_a_file_is_refused(
    tmp_path: Path, spec: ProjectSpec, mini_template: Path
) -> None:
    dest = tmp_path / "project"
    dest.write_text("a file", encoding="utf-8")
    with pytest.raises(RenderError, match="not a directory"):
        render(spec, dest, template_dir=mini_template, force=True)
    assert dest.read_text("utf-8") == "a file"


def test_force_replaces_dest_and_keeps_the_folder_itself(
    tmp_path: Path, spec: ProjectSpec, mini_template: Path, snapshot: Snapshot
) -> None:
    dest = tmp_path / "project"
    dest.mkdir()
    (dest / "stale.txt").write_text("old", encoding="utf-8")
    (dest / "README.md").write_text("old readme", encoding="utf-8")
    inode = dest.stat().st_ino
    render(spec, dest, template_dir=mini_template, force=True)
    after = snapshot(dest)
    assert "stale.txt" not in after
    assert after["README.md"].startswith(b"# Users and orders")
    assert dest.stat().st_ino == inode
    assert _leftovers(tmp_path) == []


def test_empty_dest_is_filled(tmp_path: Path, spec: ProjectSpec, mini_template: Path) -> None:
    dest = tmp_path / "project"
    dest.mkdir()
    render(spec, dest, template_dir=mini_template)
    assert (dest / "README.md").is_file()


@pytest.mark.parametrize("existing", [False, True])
def test_failing_hook_leaves_dest_as_it_was(
    tmp_path: Path,
    spec: ProjectSpec,
    broken_template: Path,
    snapshot: Snapshot,
    existing: bool,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    dest = work / "project"
    if existing:
        dest.mkdir()
        (dest / "keep.txt").write_text("mine", encoding="utf-8")
    before = snapshot(dest) if existing else None
    with pytest.raises(RenderError, match=r"hook failed") as caught:
        render(spec, dest, template_dir=broken_template, force=True)
    assert "\n" not in str(caught.value)
    if existing:
        assert snapshot(dest) == before
    else:
        assert not dest.exists()
    assert _leftovers(work) == []


def test_failure_while_swapping_rolls_back(
    tmp_path: Path,
    spec: ProjectSpec,
    mini_template: Path,
    snapshot: Snapshot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dest = tmp_path / "project"
    dest.mkdir()
    for name in ("a.txt", "b.txt", "README.md"):
        (dest / name).write_text(f"old {name}", encoding="utf-8")
    before = snapshot(dest)
    real_rename = os.rename
    moved_in: list[str] = []

    def flaky_rename(src: str | Path, dst: str | Path) -> None:
        # Let the old entries go aside and one new entry in, then fail half-way.
        if Path(dst).parent == dest:
            if len(moved_in) == 1 and "previous" not in str(src):
                raise OSError(28, "No space left on device")
            moved_in.append(str(src))
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", flaky_rename)
    with pytest.raises(RenderError, match=r"cannot move the project into .*No space"):
        render(spec, dest, template_dir=mini_template, force=True)
    monkeypatch.undo()
    assert len(moved_in) >= 1
    assert snapshot(dest) == before
    assert _leftovers(tmp_path) == []


def test_failure_writing_extra_files_leaves_nothing(
    tmp_path: Path,
    spec: ProjectSpec,
    mini_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_space(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scaffold, "_apply_extras", no_space)
    dest = tmp_path / "deep" / "project"
    with pytest.raises(RenderError, match="No space left"):
        render(spec, dest, template_dir=mini_template, extra_files={"x.md": "x"})
    assert not (tmp_path / "deep").exists()


def test_undefined_variable_becomes_one_line(
    tmp_path: Path, spec: ProjectSpec, mini_template: Path
) -> None:
    import shutil

    template = tmp_path / "template"
    shutil.copytree(mini_template, template)
    (template / "{{cookiecutter.project_slug}}" / "bad.txt").write_text(
        "{{ cookiecutter.no_such_key }}", encoding="utf-8"
    )
    dest = tmp_path / "project"
    with pytest.raises(RenderError, match="undefined variable") as caught:
        render(spec, dest, template_dir=template)
    assert "\n" not in str(caught.value)
    assert "Context:" not in str(caught.value)  # not cookiecutter's dump of the whole context
    assert not dest.exists()


def test_missing_template_is_a_render_error(tmp_path: Path, spec: ProjectSpec) -> None:
    with pytest.raises(RenderError, match="no cookiecutter template"):
        render(spec, tmp_path / "project", template_dir=tmp_path / "nowhere")


def test_extra_files_replace_template_files(
    tmp_path: Path, spec: ProjectSpec, mini_template: Path
) -> None:
    dest = tmp_path / "project"
    files = render(
        spec,
        dest,
        template_dir=mini_template,
        extra_files={"docs/adr/0001-use-replica.md": "# ADR\n", ".advisor-answers.yml": "a: 1\n"},
        replace=("docs/adr/0001-*.md",),
    )
    assert sorted(p.name for p in (dest / "docs" / "adr").iterdir()) == ["0001-use-replica.md"]
    assert yaml.safe_load((dest / ".advisor-answers.yml").read_text("utf-8")) == {"a": 1}
    assert dest / "docs" / "adr" / "0001-use-replica.md" in files


@pytest.mark.parametrize("bad", ["../evil.md", "/etc/evil", "a/../../evil", "a\\b"])
def test_extra_files_may_not_escape(
    tmp_path: Path, spec: ProjectSpec, mini_template: Path, bad: str
) -> None:
    with pytest.raises(RenderError, match="inside the project"):
        render(spec, tmp_path / "project", template_dir=mini_template, extra_files={bad: "x"})
    assert list(tmp_path.iterdir()) == []


def test_hook_output_stays_off_stdout(
    tmp_path: Path, spec: ProjectSpec, mini_template: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    render(spec, tmp_path / "project", template_dir=mini_template)
    out, err = capfd.readouterr()
    assert "fixture post-gen hook ran" not in out
    assert "fixture post-gen hook ran" in err


def test_no_replay_file_in_home(
    tmp_path: Path, spec: ProjectSpec, mini_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cookiecutter.config import DEFAULT_CONFIG

    replay = Path(DEFAULT_CONFIG["replay_dir"]) / "mini.json"
    if replay.exists():
        replay.unlink()
    render(spec, tmp_path / "project", template_dir=mini_template)
    assert not replay.exists()
