"""tslib."""
