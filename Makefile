# tslib: every target bootstraps .venv from pyproject.toml first (skipped when up to date).
VENV := .venv
PY := $(VENV)/bin/python
NBVAL := --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-kernel-name tslib --nbval-cell-timeout 600

.PHONY: env lint test test-py test-nb reports lab bench clean

env:
	@bash scripts/bootstrap.sh

lint: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test-py: env
	$(PY) -m pytest tests tslib --doctest-modules -q

test-nb: env
	$(PY) -m pytest $(NBVAL) notebooks -q

test: lint test-py test-nb

reports: env
	$(VENV)/bin/tslib report --params default

lab: env
	$(VENV)/bin/jupyter lab --notebook-dir notebooks

bench: env
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
