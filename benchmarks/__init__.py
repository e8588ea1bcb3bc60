"""Benchmarks for tslib's stepwise runner; run with ``python -m benchmarks [--quick]``."""
