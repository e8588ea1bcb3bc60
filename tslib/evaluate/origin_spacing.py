"""How far apart scored forecast origins are, per horizon, within a budget of origins.

A long test span need not be scored at every origin: horizon 1 is scored at most
``max_origins`` times and longer horizons (slower: each roll-out feeds predictions
back) at most ``max_long_origins`` times, on evenly spaced origins. The long spacing is
a multiple of the horizon-1 spacing, so the long origins are a subset of the short ones.
The result is the ``every=`` option of the forecast protocol of :func:`tslib.backtest`.

Examples
--------
>>> origin_spacing(292, [1, 7], 3000, 300), origin_spacing(1752, [1, 24], 300, 100)
({1: 1, 7: 1}, {1: 6, 24: 18})
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from tslib.errors import InputError

__all__ = ["origin_spacing"]


def origin_spacing(
    n_test: int, horizons: Sequence[int], max_origins: int, max_long_origins: int
) -> dict[int, int]:
    """Spacing of the scored origins for each horizon.

    Parameters
    ----------
    n_test : int
        Rows of the test span.
    horizons : sequence of int
        Horizons scored; 1 gets the horizon-1 spacing, every other the long spacing.
    max_origins : int
        Horizon-1 origins scored at most.
    max_long_origins : int
        Origins scored at most at the longer horizons.

    Returns
    -------
    dict of int to int
        Horizon -> spacing (1: every origin).

    Raises
    ------
    InputError
        A budget is below 1.
    """
    if max_origins < 1 or max_long_origins < 1:
        raise InputError(f"origin budgets must be >= 1; got {max_origins}, {max_long_origins}")
    every_1 = max(1, math.ceil(n_test / max_origins))
    every_long = every_1 * max(1, math.ceil(n_test / max_long_origins / every_1))
    return {h: every_1 if h == 1 else every_long for h in horizons}
