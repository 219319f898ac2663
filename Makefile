# Every target creates or refreshes its own virtual environment, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint unit integration bench bench-smoke clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: recommend from the bundled example answers, then render the recommended project into demo/
demo: $(STAMP)
	$(BIN)/advisor recommend --answers examples/answers.yml
	$(BIN)/advisor new demo --from examples/answers.yml --no-input --force

## test: the whole suite: lint, format, types, unit, template and integration tests
test: lint
	$(BIN)/pytest

## unit: the fast tests (no real services, no rendered projects' own suites)
unit: $(STAMP)
	$(BIN)/pytest -m "not integration and not slow"

## integration: the tests that use the real brokers and databases on this machine
integration: $(STAMP)
	$(BIN)/pytest -m integration

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## bench: benchmarks (not tests) against baselines measured in the same run; docs/benchmarks.md
bench: $(STAMP)
	$(BIN)/python -m bench

## bench-smoke: the same, smaller (its pipeline part alone takes minutes), to check the benchmarks still run
bench-smoke: $(STAMP)
	BENCH_REPEAT=2 BENCH_SMOKE=1 $(BIN)/python -m bench

clean:
	rm -rf $(VENV) demo .mypy_cache .ruff_cache .pytest_cache
