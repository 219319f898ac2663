"""`python -m bench [NAME ...]` (or `make bench`): run the benchmarks, all of them by default.

Results go to docs/benchmarks.md, one section per benchmark. ``BENCH_REPEAT`` sets the
repetitions (default 15; the slow benchmarks run a fifth as many, at least 2), and
``BENCH_SMOKE=1`` a quick run with smaller loads and sizes (a smoke run: BENCH_REPEAT=2
BENCH_SMOKE=1).
"""

from __future__ import annotations

import importlib
import os
import sys

NAMES = ("cli", "new", "relevance", "pipeline", "reads", "growth", "check", "owner_call")

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))

for name in sys.argv[1:] or NAMES:
    if name not in NAMES:
        sys.exit(f"unknown benchmark {name!r}; choose from {', '.join(NAMES)}")
    print(importlib.import_module(f"bench.{name}").main(repeat=REPEAT))
