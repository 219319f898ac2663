"""The shared scan: one walk, one parse per Python file, every check's visitor fed in turn."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

from advisor.checks import _files, _module
from advisor.checks._services import Discovery, Service
from advisor.checks.model import CheckOptions, Visitor


@dataclass
class Project:
    """A checked project: its folder, its files, its services and the options."""

    root: Path
    files: _files.FileIndex
    discovery: Discovery
    options: CheckOptions

    @property
    def services(self) -> list[Service]:
        return self.discovery.services

    def rel(self, path: Path) -> str:
        """``path`` relative to the project, with POSIX separators."""
        return path.relative_to(self.root).as_posix()


#: Files between two garbage collections during the scan.
_COLLECT_EVERY = 100


def scan(project: Project, visitors: list[Visitor]) -> None:
    """Feed every Python file any visitor wants to those visitors, parsed once, then finish.

    Automatic garbage collection is paused meanwhile: syntax trees hold no reference
    cycles and are freed as soon as the next file is read, yet their millions of
    allocations would trigger a collection every few hundred nodes (a fifth of the time).
    A collection every hundred files still bounds memory should anything form a cycle.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        _scan(project, visitors)
    finally:
        if enabled:
            gc.enable()
    for visitor in visitors:
        visitor.finish()


def _scan(project: Project, visitors: list[Visitor]) -> None:
    for count, path in enumerate(project.files.python, start=1):
        if count % _COLLECT_EVERY == 0:
            gc.collect()
        service = project.discovery.owner(path)
        is_test = _files.is_test_file(project.root, path)
        wanting = [v for v in visitors if v.wants(path, service, is_test)]
        if not wanting:
            continue
        module = _module.load(path, project.rel(path), service, is_test=is_test)
        if module is None:
            continue
        for visitor in wanting:
            visitor.visit(module)
