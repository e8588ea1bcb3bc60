"""The tables and summary lines of a next-item ranking evaluation, from its results.

A recommendation notebook reports three things after ``ts.backtest`` / ``ts.replay`` of
the ``"ranking"`` protocol (:mod:`tslib.evaluate.ranking_walk`):

* :func:`ranking_gains`: the paired bootstrap gain of one model over another on per-user
  HR@k, NDCG@k and MRR (the same users resampled for both), one row per metric;
* :func:`sampled_vs_full`: how the order of the models under sampled metrics differs from
  their order under full ranking (Kendall tau, and the sampled / full ratio per model);
* :func:`serving_table`: the live serving summaries of :func:`tslib.replay` side by side
  (latency percentiles, share within the budget, state size, live HR@k, agreement of the
  replayed ranks with the offline ranks).

Examples
--------
>>> import numpy as np
>>> a, b = np.array([1, 2, 3, 12, 1, 2.0]), np.array([2, 15, 20, 30, 1, 9.0])
>>> gains = ranking_gains(a, b, ("deep", "base"), metrics=("MRR",), n_resamples=100)
>>> gains.loc["MRR", ["deep", "base", "gain"]].round(3).tolist()
[0.569, 0.294, 0.94]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from tslib.errors import InputError
from tslib.metrics.paired_bootstrap import paired_bootstrap
from tslib.metrics.ranking import metrics_from_ranks

__all__ = ["SERVING_KEYS", "ranking_gains", "sampled_vs_full", "serving_table"]


def ranking_gains(
    ranks_a: object,
    ranks_b: object,
    names: tuple[str, str],
    *,
    metrics: Sequence[str] = ("HR@10", "NDCG@10", "MRR"),
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Relative gain of model A over model B per ranking metric, with a paired bootstrap CI.

    Parameters
    ----------
    ranks_a, ranks_b : array_like
        (n_users,) 1-based target ranks of the two models on the same users, in the same
        order (``inf`` for a missed target).
    names : (str, str)
        Names of A and B: the columns holding their mean metric.
    metrics : sequence of str
        ``"HR@k"``, ``"NDCG@k"`` (any k) or ``"MRR"``.
    n_resamples, seed : int
        Bootstrap resamples of the users, and their seed.

    Returns
    -------
    pandas.DataFrame
        Index ``metric``; columns ``names[0]``, ``names[1]`` (means), ``gain``
        (``mean_a / mean_b - 1``), ``ci_low``, ``ci_high`` (95 % percentile interval)
        and ``CI excludes 0``.

    Raises
    ------
    InputError
        A metric that is not ``HR@k``, ``NDCG@k`` or ``MRR``, two equal names, or ranks
        that :func:`~tslib.metrics.paired_bootstrap` or
        :func:`~tslib.metrics.metrics_from_ranks` reject.
    """
    if len(names) != 2 or names[0] == names[1]:
        raise InputError(f"ranking_gains: names must be two different names, got {names!r}")
    ks = set()
    for metric in metrics:
        kind, _, k = metric.partition("@")
        if metric != "MRR" and not (kind in ("HR", "NDCG") and k.isdigit() and int(k) > 0):
            raise InputError(f"ranking_gains: unknown metric {metric!r} (HR@k, NDCG@k or MRR)")
        if k:
            ks.add(int(k))
    per_user_a, per_user_b = (metrics_from_ranks(r, sorted(ks)) for r in (ranks_a, ranks_b))
    rows = {
        metric: paired_bootstrap(
            per_user_a[metric], per_user_b[metric], n_resamples=n_resamples, seed=seed
        )
        for metric in metrics
    }
    columns = {"mean_a": names[0], "mean_b": names[1], "estimate": "gain"}
    columns["excludes_zero"] = "CI excludes 0"
    table = pd.DataFrame.from_dict(rows, orient="index").rename(columns=columns)
    return table.rename_axis("metric")


def sampled_vs_full(
    table: pd.DataFrame, models: Sequence[str], full: str = "NDCG@10", sampled: str = "HR@10"
) -> str:
    """Three lines: the models ordered by a full-ranking and by a sampled metric, and why.

    Parameters
    ----------
    table : pandas.DataFrame
        Scores indexed by model, with the columns ``full``, ``sampled`` and
        ``f"{sampled} (sampled)"`` (``ts.score`` with ``ranking_scorers(sampled=True)``).
    models : sequence of str
        The models compared (at least two).
    full : str
        The full-ranking metric of the first order.
    sampled : str
        The metric whose sampled column gives the second order; the last line divides
        that sampled column by its full-ranking column.

    Returns
    -------
    str
        The order by ``full``, the order by sampled ``sampled`` (best first), then the
        Kendall tau between the two columns and every model's sampled / full ratio.

    Raises
    ------
    InputError
        A missing column or model, or fewer than two models.
    """
    sampled_column = f"{sampled} (sampled)"
    missing = [c for c in (full, sampled, sampled_column) if c not in table.columns]
    missing += [m for m in models if m not in table.index]
    if missing:
        raise InputError(f"sampled_vs_full: the table lacks {missing}")
    if len(models) < 2:
        raise InputError(f"sampled_vs_full: compare at least two models, got {list(models)}")
    scores = table.loc[list(models)]
    order_full = scores[full].sort_values(ascending=False).index
    order_sampled = scores[sampled_column].sort_values(ascending=False).index
    tau = stats.kendalltau(scores[full], scores[sampled_column]).statistic
    ratios = scores[sampled_column] / np.maximum(scores[sampled], 1e-12)
    ratio_text = ", ".join(f"{model} {ratio:.1f}x" for model, ratio in ratios.items())
    return "\n".join(
        [
            f"{f'order by full {full}:':<27} {' > '.join(order_full)}",
            f"{f'order by sampled {sampled}:':<27} {' > '.join(order_sampled)}",
            f"Kendall tau between the two orders: {tau:.2f}; "
            f"sampled / full {sampled} ratio: {ratio_text}",
        ]
    )


#: Summary keys of a ranking replay shown by :func:`serving_table`, in order.
SERVING_KEYS = ("p50_us", "p99_us", "max_us", "within_budget", "state_bytes_per_user", "hr")


def serving_table(
    summaries: Mapping[str, Mapping[str, object]],
    agreement: Mapping[str, float],
    budget_ms: float,
    k: int,
) -> pd.DataFrame:
    """The live serving summaries of several models, one row each, with readable columns.

    Parameters
    ----------
    summaries : mapping of str to mapping
        Model -> the ``summary`` of its ranking replay (``ts.replay(...).summary``).
    agreement : mapping of str to float
        Model -> share of users whose replayed rank at the test tick equals the offline one.
    budget_ms : float
        The per-event latency budget of the replay (for the column name).
    k : int
        Length of the served lists (for the column name).

    Returns
    -------
    pandas.DataFrame
        Float columns ``p50 us``, ``p99 us``, ``max us``, ``within <budget> ms``,
        ``state bytes / user``, ``state MB, <users> users`` (state of every served user),
        ``live HR@<k>`` and ``rank agreement``.

    Raises
    ------
    InputError
        No summaries, a summary without a key of :data:`SERVING_KEYS` or ``users``, or
        a model without an agreement.
    """
    if not summaries:
        raise InputError("serving_table: no replay summaries")
    for name, summary in summaries.items():
        missing = [key for key in (*SERVING_KEYS, "users") if key not in summary]
        missing += ["agreement"] if name not in agreement else []
        if missing:
            raise InputError(f"serving_table: {name!r} lacks {missing}")
    serving = pd.DataFrame({name: dict(summary) for name, summary in summaries.items()}).T
    state_mb = f"state MB, {int(serving['users'].max())} users"
    serving[state_mb] = serving["state_bytes_per_user"] * serving["users"] / 2**20
    serving["rank agreement"] = pd.Series(dict(agreement))
    shown = {
        "p50_us": "p50 us",
        "p99_us": "p99 us",
        "max_us": "max us",
        "within_budget": f"within {budget_ms:g} ms",
        "state_bytes_per_user": "state bytes / user",
        state_mb: state_mb,
        "hr": f"live HR@{k}",
        "rank agreement": "rank agreement",
    }
    return serving[list(shown)].rename(columns=shown).astype(float)
