"""`advisor new` against plain `cookiecutter --no-input` on the same template and values.

Both are whole processes rendering ``templates/microservices`` with every pattern, into a
folder removed (untimed) before each run. Target (issue 7): `advisor new` <= 1.2x the plain
render.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from bench.cli import ROOT, _tool
from bench.report import Timing, machine, table, time_interleaved, write_section

PATTERNS = "api,event,replica,sdk"


# What profiling `advisor new` once on this machine showed (cProfile, python -X importtime).
PROFILE = (
    "Where the time goes: both commands spend most of it in cookiecutter itself, about "
    "0.4 s rendering ~150 Jinja templates and 0.8 s waiting on the template's post-generation "
    "hook, which starts a Python process that imports the owner's FastAPI app to write its "
    "OpenAPI document. `advisor new` adds about 0.1-0.15 s of CPU: its own CLI imports "
    "(typer, and the pydantic-validated question catalogue that `recommend`'s flags are "
    "built from, including pydantic's plugin discovery through importlib.metadata); the "
    "temporary folder and the final rename cost a few ms."
)


def broker_of(timing: Timing) -> str:
    return timing.name.rsplit("(", 1)[-1].rstrip(")")


def main(repeat: int = 15) -> str:
    """Run the benchmark, write its section, and return it."""
    advisor, cookiecutter = _tool("advisor"), _tool("cookiecutter")
    assert advisor and cookiecutter, "run `make bench`, which installs both"
    timings = []
    with tempfile.TemporaryDirectory(prefix="bench-new-") as scratch:
        work = Path(scratch)
        # A private config keeps cookiecutter's replay files out of $HOME, as advisor does.
        config = work / "cookiecutter.yml"
        config.write_text(
            f"cookiecutters_dir: {work / 'cc'}\nreplay_dir: {work / 'replay'}\n", encoding="utf-8"
        )
        out = work / "out"
        template = str(ROOT / "templates" / "microservices")
        plain_args = [cookiecutter, "--no-input", "--config-file", str(config), "-o", str(out)]
        advisor_args = [advisor, "new", str(out / "project"), "--no-input", "--patterns", PATTERNS]
        for broker in ("kafka", "rabbitmq"):
            plain, ours = time_interleaved(
                [
                    (
                        f"cookiecutter --no-input ({broker})",
                        [*plain_args, template, f"patterns={PATTERNS}", f"broker={broker}"],
                    ),
                    (f"advisor new --no-input ({broker})", [*advisor_args, "--broker", broker]),
                ],
                repeat,
                before=lambda: shutil.rmtree(out, ignore_errors=True),
            )
            timings.append((plain, ours))
    verdicts = []
    for plain, ours in timings:
        ratio = ours.median / plain.median
        verdict = "met" if ratio <= 1.2 else "NOT met"
        verdicts.append(f"{broker_of(ours)} {ratio:.2f}x **{verdict}**")
    body = "\n".join(
        [
            "## Rendering a project: `advisor new` against plain cookiecutter",
            "",
            f"{machine()}; {repeat} runs each after one warm-up, the two commands taking turns; "
            f"wall clock of whole processes; patterns `{PATTERNS}`, the bundled template, "
            "default values, output folder removed (untimed) before each run.",
            "",
            "\n\n".join(table(pair, pair[0]) for pair in timings),
            "",
            "",
            "Target `advisor new` <= 1.2x `cookiecutter --no-input` with the same broker: "
            + "; ".join(verdicts)
            + " (ratio of wall-clock medians; each table's first row is its baseline).",
            "",
            PROFILE,
        ]
    )
    write_section("new", body)
    return body


if __name__ == "__main__":
    print(main())
