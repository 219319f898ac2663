"""`advisor new`'s wizard on a real pseudo-terminal, against the fixture template."""

from __future__ import annotations

from pathlib import Path

import pexpect

from tests.support.cli import spawn

DOWN = "\x1b[B"
BACKSPACES = "\x7f" * 40


def test_wizard_renders_what_was_chosen(tmp_path: Path, mini_template: Path) -> None:
    child = spawn(["new", "shop", "--template", str(mini_template)], cwd=tmp_path)
    child.expect("Patterns to render")
    child.send(DOWN * 3 + " ")  # add sdk to the preselected api and event
    child.send("\r")
    child.expect("Broker")
    child.send(DOWN + "\r")  # rabbitmq
    child.expect("Schema compatibility")
    child.send("\r")
    child.expect("Project name")
    child.send("\r")
    child.expect("owns the data")
    child.send(BACKSPACES + "billing-service\r")
    child.expect("consumes it")
    child.send(BACKSPACES + "billing-service\r")  # same as the owner: refused as typed
    child.expect("must differ")
    child.send(BACKSPACES + "shop-service\r")
    child.expect("Shared entity")
    child.send("\r")
    child.expect("Entity fields")
    child.send("\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    written = [p for p in (tmp_path / "shop").rglob("*") if p.is_file()]
    assert written
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in written)
    assert "billing-service" in text and "shop-service" in text and "rabbitmq" in text


def test_ctrl_c_exits_130_and_writes_nothing(tmp_path: Path, mini_template: Path) -> None:
    child = spawn(["new", "shop", "--template", str(mini_template)], cwd=tmp_path)
    child.expect("Patterns to render")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert not (tmp_path / "shop").exists()
