"""The README's shell lines work when pasted, in order, into a terminal.

Every line of every ``sh`` block runs in one bash session on a pseudo-terminal, from a
temporary folder holding what a fresh clone gives those lines (the Makefile, the
examples) and this checkout's ``.venv``, as ``make`` leaves it. The wizard is answered
as a person would. Only the lines in :data:`NOT_RUN` are left out, each for a reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pexpect
import pytest

from advisor.questions.model import questions
from tests.support.cli import printed

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

#: README lines this test does not run, and why.
NOT_RUN = {
    "make test": "the suite this test is part of",
    "make bench": "benchmarks, long, on a quiet machine",
    "make bench-smoke": "benchmarks, minutes",
}
PROMPT = re.compile(r"<rc=(\d+)> ")


def shell_lines(markdown: str) -> list[str]:
    """Each command of the ``sh`` blocks, in order, continuation lines joined."""
    lines: list[str] = []
    for block in re.findall(r"^```sh\n(.*?)^```", markdown, re.S | re.M):
        for line in block.replace("\\\n", "").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append(line.strip())
    return lines


def _command(line: str) -> str:
    return line.split("#", 1)[0].strip()


def test_the_lines_not_run_are_in_the_readme() -> None:
    commands = [_command(line) for line in shell_lines(README.read_text(encoding="utf-8"))]
    assert set(NOT_RUN) <= set(commands), set(NOT_RUN) - set(commands)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """What the README's lines read from a fresh clone, with this checkout's .venv."""
    venv = Path(sys.prefix)
    if not (venv / "bin" / "advisor").exists():
        pytest.fail(f"{venv} has no advisor: run the suite from the venv `make` creates")
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, tmp_path / name)  # keeps the mtime: `make` keeps the venv
    stamp = venv / ".installed"
    if stamp.exists() and stamp.stat().st_mtime < (ROOT / "pyproject.toml").stat().st_mtime:
        pytest.fail(".venv is older than pyproject.toml: run `make` to refresh it first")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / ".venv").symlink_to(venv)
    return tmp_path


def _answer_the_wizard(shell: pexpect.spawn[str]) -> None:
    """Accept every default; type a number where the question has none."""
    catalogue = questions()
    helps = [re.escape(f"  {q.help}") for q in catalogue]
    while (index := shell.expect([*helps, PROMPT])) < len(catalogue):
        q = catalogue[index]
        shell.expect_exact(q.prompt)
        shell.send("10\r" if q.default is None and q.type == "int" else "\r")


@pytest.mark.slow
def test_every_readme_line_works_when_pasted(clone: Path) -> None:
    venv_bin = str(Path(sys.prefix) / "bin")
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv_bin)
    env = {**os.environ, "PATH": path, "TERM": "xterm", "NO_COLOR": "1", "PS1": "<rc=$?> "}
    env.pop("VIRTUAL_ENV", None)
    shell = pexpect.spawn(
        "bash",
        ["--noprofile", "--norc"],
        cwd=str(clone),
        env=env,
        encoding="utf-8",
        timeout=180,
        dimensions=(50, 200),
    )
    shell.expect(PROMPT)
    ran = []
    for line in shell_lines(README.read_text(encoding="utf-8")):
        if _command(line) in NOT_RUN:
            continue
        shell.sendline(line)
        if _command(line) == "advisor recommend":
            _answer_the_wizard(shell)
        else:
            shell.expect(PROMPT)
        assert isinstance(shell.match, re.Match), shell.match
        code = int(shell.match.group(1))
        assert code == 0, f"{line!r} exited {code}:\n{printed(shell)[-2000:]}"
        ran.append(line)
    shell.sendline("exit")
    shell.expect(pexpect.EOF)
    assert any(_command(line) == "advisor recommend" for line in ran)
    # What the lines say they do, they did.
    assert (clone / "demo" / ".advisor-answers.yml").is_file()
    adrs = list(clone.glob("*.md"))
    assert adrs and all(p.read_text(encoding="utf-8").startswith("# ") for p in adrs)
    assert (clone / "shop" / "Makefile").is_file()
    assert (clone / "customers" / "Makefile").is_file()
    sarif = json.loads((clone / "advisor.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"] == []
