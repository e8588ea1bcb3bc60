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

# The launcher registers the tslib kernel (ensure_kernel), then execs `python -m jupyterlab`.
# It adds --allow-root only when the effective user is root (containers, CI), where Jupyter
# refuses to start without it; a normal user's command line stays exactly `jupyter lab ...`.
# tests/test_lab_server.py reads this recipe and starts the same command on loopback.
lab: env
	$(PY) -m tslib.reports.lab --notebook-dir notebooks

bench: env
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
