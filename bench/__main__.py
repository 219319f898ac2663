"""`python -m bench` (or `make bench`): run every benchmark; results go to docs/benchmarks.md."""

from __future__ import annotations

import os

from bench import cli

# A smoke run (BENCH_REPEAT=2) keeps CI fast; real figures use the default.
REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))

for module in (cli,):
    print(module.main(repeat=REPEAT))
