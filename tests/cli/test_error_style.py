"""Every way to give bad input ends in one line, ``advisor: error: <what>: <why>``, exit 2.

``<what>`` names what the user got wrong, as they typed it (a flag, an argument, a file,
an answer); ``<why>`` says what is wrong with it, as a clause: lower case, no final stop,
none of click's or pydantic's own phrasing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.cli import run_main

REQUIRED = "freshness: minutes\nreads_per_second: 10\nwrites_per_second: 2\n"

#: (arguments, files to create first, the start of <what>)
CASES: list[tuple[list[str], dict[str, str], str]] = [
    # usage: unknown or misused flags, commands and arguments
    (["nosuch"], {}, "nosuch"),
    (["recommend", "--bogus"], {}, "--bogus"),
    (["recommend", "--fresh"], {}, "--fresh"),
    (["recommend", "--strict=yes"], {}, "--strict"),
    (["recommend", "--answers"], {}, "--answers"),
    (["recommend", "stray"], {}, "stray"),
    (["new"], {}, "DEST"),
    (["check"], {}, "PATH"),
    (["rules", "show"], {}, "ID"),
    # flag values
    (["recommend", "--freshness", "weekly"], {}, "--freshness"),
    (["recommend", "--reads-per-second", "lots"], {}, "--reads-per-second"),
    (["recommend", "--consumers", "0"], {}, "--consumers"),
    (["recommend", "--format", "xml"], {}, "--format"),
    (["recommend", "--freshness", "hours", "--no-input"], {}, "answers 'reads_per_second'"),
    (["questions", "--format", "yaml"], {}, "--format"),
    (["new", "shop", "--patterns", "api,queue"], {}, "--patterns"),
    (["new", "shop", "--broker", "pulsar", "--patterns", "event"], {}, "--broker"),
    (["new", "shop", "--compatibility", "SOMETIMES"], {}, "--compatibility"),
    (["new", "shop", "--patterns", "api", "--owner", "Users"], {}, "--owner"),
    (["new", "shop", "--patterns", "event", "--bff"], {}, "--bff"),
    (["new", "shop", "--no-input"], {}, "--patterns or --from"),
    (["new", "full", "--patterns", "api"], {"full/kept.txt": "x"}, "DEST /"),
    (["check", "nowhere"], {}, "PATH nowhere"),
    (["check", "afile"], {"afile": "x"}, "PATH afile"),
    (["check", ".", "--format", "xml"], {}, "--format"),
    (["check", ".", "--compatibility", "SIDEWAYS"], {}, "--compatibility"),
    (["check", ".", "--select", "no-such-check"], {}, "--select/--ignore"),
    (["update"], {}, "PATH"),
    (["update", "nowhere", "--allow-dirty"], {}, "nowhere"),
    (["update", "empty", "--allow-dirty"], {"empty/kept.txt": "x"}, "empty"),
    (["update", "empty", "--format", "xml"], {}, "--format"),
    (["update", "empty", "--consumers", "none"], {}, "--consumers"),
    (["rules", "show", "no.such-rule"], {}, "ID 'no.such-rule'"),
    (["rules", "validate", "nowhere"], {}, "nowhere"),
    # answers files, for recommend and for new --from
    (["recommend", "--answers", "gone.yml"], {}, "answers file gone.yml"),
    (["recommend", "--answers", "a.yml"], {"a.yml": "freshness: [\n"}, "answers file a.yml"),
    (["recommend", "--answers", "a.json"], {"a.json": "{nope"}, "answers file a.json"),
    (["recommend", "--answers", "a.yml"], {"a.yml": "- a list\n"}, "answers file a.yml"),
    (["recommend", "--answers", "a.yml"], {"a.yml": REQUIRED * 2}, "answers file a.yml"),
    (["recommend", "--answers", "a.yml"], {"a.yml": "freshness: hours\n"}, "answers 'reads_per"),
    (["recommend", "--answers", "a.yml"], {"a.yml": REQUIRED + "colour: red\n"}, "answer 'colour'"),
    (
        ["recommend", "--answers", "a.yml"],
        {"a.yml": REQUIRED + "consumers: 0\n"},
        "answer 'consumers'",
    ),
    (
        ["recommend", "--answers", "a.yml"],
        {"a.yml": REQUIRED.replace("minutes", "weekly")},
        "answer 'freshness'",
    ),
    (["new", "shop", "--from", "gone.yml"], {}, "answers file gone.yml"),
    (
        ["new", "shop", "--from", "a.yml"],
        {"a.yml": REQUIRED + "project: {patterns: queue}\n"},
        "project record a.yml",
    ),
    (
        ["new", "shop", "--from", "a.yml"],
        {"a.yml": "needs_replay: maybe\n" + REQUIRED},
        "answer 'needs_replay'",
    ),
    (
        ["check", "."],
        {".advisor-answers.yml": REQUIRED + "compatibility: sometimes\n"},
        ".advisor-answers.yml",
    ),
]

#: Phrases of the libraries underneath, which a user should never have to read.
FOREIGN = ("Invalid value", "nput should", "Value error", "Error:", "Try '", "Traceback")
LINE = re.compile(r"advisor: error: (?P<what>\S.*?): (?P<why>\S.*)\n")


@pytest.mark.parametrize(
    ("args", "files", "what"), CASES, ids=[" ".join(args)[:60] for args, _, _ in CASES]
)
def test_bad_input_is_one_line_naming_what_and_why(
    args: list[str],
    files: dict[str, str],
    what: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    before = sorted(tmp_path.rglob("*"))
    capsys.readouterr()
    code = run_main(args)
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), err
    match = LINE.fullmatch(err)
    assert match, err
    assert match["what"].startswith(what), err
    why = match["why"]
    assert not why.endswith("."), err
    assert not (why[0].isupper() and why[1:2].islower()), err  # a clause, not a sentence
    assert not any(phrase in err for phrase in FOREIGN), err
    assert sorted(tmp_path.rglob("*")) == before  # nothing written
