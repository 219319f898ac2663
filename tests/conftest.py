"""Fixtures shared by the whole suite."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from advisor.resources import rules_dir

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "render" / "fixtures" / "mini"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder."""
    return ROOT


#: Sample projects that `advisor check` reads; their test files are data, not our tests.
collect_ignore = ["checks/fixtures"]


@pytest.fixture
def mini_template() -> Path:
    """A tiny cookiecutter template with the real template's context keys."""
    return MINI


@pytest.fixture
def broken_template(tmp_path: Path) -> Path:
    """The fixture template with a post-generation hook that fails."""
    template = tmp_path / "broken-template"
    shutil.copytree(MINI, template)
    (template / "hooks" / "post_gen_project.py").write_text(
        "import sys\nprint('about to fail')\nsys.exit(3)\n", encoding="utf-8"
    )
    return template


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def snapshot() -> Callable[[Path], dict[str, bytes]]:
    """A function giving every file under a folder by relative path, with its bytes."""
    return _snapshot


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped rules folder, free to break."""
    target = tmp_path / "rules"
    shutil.copytree(rules_dir(), target)
    return target


@pytest.fixture
def add_rules(rules_copy: Path) -> Callable[[list[dict[str, object]]], Path]:
    """Write extra rules into the copy as ``extra.yaml``; return the folder."""

    def write(rules: list[dict[str, object]]) -> Path:
        (rules_copy / "extra.yaml").write_text(yaml.safe_dump({"rules": rules}), encoding="utf-8")
        return rules_copy

    return write
