r"""Classical next-item rankers: popularity, first-order Markov chain, item-kNN.

Shared interface
----------------
* ``fit(interactions)`` - a DataFrame with columns ``user``, ``item`` and
  optionally ``timestamp``. Items are integer ids in ``[0, n_items)``; users are
  any hashable ids. Each user's rows are ordered by ``timestamp`` (stable, so
  equal time stamps keep their row order) or by row order without it.
* ``update(user, item)`` - add one interaction at the end of that user's
  history and update the counts (no refit, O(history) at most);
  ``update(interactions)`` does so for every row of a frame shaped like the
  one ``fit`` takes, in time order.
* ``apply(interactions)`` - a fitted copy whose counts come from
  ``interactions`` alone (the counts are the whole fitted state).
* ``score(users)`` - (n_users, n_items) scores for full ranking, higher =
  better. ``seen_mask(users)`` gives the matching ``exclude`` mask for
  :mod:`tslib.metrics.ranking`.

All three are pure counting models: fitting on the first part of a log and
then calling ``update`` for the remaining rows in time order gives the same
state as fitting on the whole log. They are :class:`Ranker` baselines
(``kind = "ranker"``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from tslib.baselines.base import Baseline, register_baseline
from tslib.errors import InputError
from tslib.validation import check_non_negative, check_positive_int

__all__ = ["Ranker", "PopularityRanker", "MarkovChainRanker", "ItemKNNRanker"]


class Ranker(Baseline):
    """Base class of the next-item rankers: histories, checks, fit / update / score."""

    kind = "ranker"
    fit_call = "fit(interactions)"
    n_items: int

    def fit(self, interactions: pd.DataFrame) -> Ranker:
        """Count interactions from a ``user, item[, timestamp]`` frame (see module docs)."""
        check_positive_int(self.n_items, "n_items")
        frame = self._ordered(interactions)
        user_codes, user_ids = pd.factorize(frame["user"])
        order = np.argsort(user_codes, kind="stable")  # group by user, keep time order
        codes = user_codes[order]  # (N,)
        items = frame["item"].to_numpy(dtype=np.int64)[order]  # (N,)
        starts = np.flatnonzero(np.diff(codes, prepend=-1) != 0)  # first row of each user
        user_list = user_ids.tolist()
        self.histories: dict[Hashable, list[int]] = {
            user_list[codes[a]]: items[a:b].tolist()
            for a, b in zip(starts, np.r_[starts[1:], codes.size])
        }
        self.counts = np.bincount(items, minlength=self.n_items).astype(np.float64)  # (I,)
        self._fit_counts(codes, items)
        self._fitted = True
        return self

    def update(self, user: Hashable | pd.DataFrame, item: int | None = None) -> Ranker:
        """Append interactions after each user's latest and update the counts.

        ``update(user, item)`` adds one interaction; ``update(interactions)`` adds
        every row of a ``user, item[, timestamp]`` frame in time order (the whole
        frame is checked before anything changes).
        """
        self._require_fitted()
        if isinstance(user, pd.DataFrame):
            if item is not None:
                raise InputError("update takes (user, item) or an interactions frame, not both")
            frame = self._ordered(user)
            for row_user, row_item in zip(frame["user"].tolist(), frame["item"].tolist()):
                self._observe(row_user, int(row_item))
            return self
        if item is None:
            raise InputError("update takes (user, item) or an interactions frame; item is missing")
        self._observe(user, self._check_item(item))
        return self

    def apply(self, interactions: pd.DataFrame) -> Ranker:
        """A fitted copy whose counts come from ``interactions`` alone (no fitted parameters)."""
        self._require_fitted()
        return self.clone().fit(interactions)

    def score(self, users: Sequence[Hashable]) -> np.ndarray:
        """Scores for every item, shape (len(users), n_items); unknown users get the fallback."""
        self._require_fitted()
        rows = [self._score_history(self.histories.get(u, [])) for u in users]
        return np.stack(rows) if rows else np.zeros((0, self.n_items))  # (U, I)

    def seen_mask(self, users: Sequence[Hashable]) -> np.ndarray:
        """Bool (len(users), n_items): True for items already in each user's history."""
        self._require_fitted()
        mask = np.zeros((len(users), self.n_items), dtype=bool)
        for row, user in enumerate(users):
            mask[row, self.histories.get(user, [])] = True
        return mask

    def _observe(self, user: Hashable, item: int) -> None:
        history = self.histories.setdefault(user, [])
        self.counts[item] += 1.0
        self._count(user, history, item)
        history.append(item)

    def _check_item(self, item: object) -> int:
        if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
            raise InputError(f"item must be an integer id, got {item!r}")
        if not 0 <= item < self.n_items:
            raise InputError(f"item {item} outside [0, n_items={self.n_items})")
        return int(item)

    def _ordered(self, interactions: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(interactions, pd.DataFrame):
            raise InputError("interactions must be a pandas DataFrame with columns user, item")
        missing = {"user", "item"} - set(interactions.columns)
        if missing:
            raise InputError(f"interactions lacks column(s) {sorted(missing)}")
        columns = ["user", "item"] + (["timestamp"] if "timestamp" in interactions else [])
        frame = interactions[columns]
        if frame.isna().any().any():
            bad = frame.columns[frame.isna().any()].tolist()
            raise InputError(f"interactions has missing values in column(s) {bad}")
        items = frame["item"].to_numpy()
        if not np.issubdtype(items.dtype, np.integer):
            raise InputError(f"interactions column item must hold integer ids, got {items.dtype}")
        if len(items) and (items.min() < 0 or items.max() >= self.n_items):
            raise InputError(f"interactions column item outside [0, n_items={self.n_items})")
        if "timestamp" in frame:
            frame = frame.sort_values("timestamp", kind="stable")
        return frame

    def _popularity(self) -> np.ndarray:
        total = self.counts.sum()
        return self.counts / total if total > 0 else np.full(self.n_items, 1.0 / self.n_items)

    # -- to implement -------------------------------------------------------------------
    def _fit_counts(self, codes: np.ndarray, items: np.ndarray) -> None:
        """Vectorised counts from (N,) user codes and items, grouped by user in time order."""
        raise NotImplementedError

    def _count(self, user: Hashable, history: list[int], item: int) -> None:
        """Update the model counts for ``item`` following ``history`` (popularity is done)."""
        raise NotImplementedError

    def _score_history(self, history: list[int]) -> np.ndarray:
        raise NotImplementedError


@register_baseline("popularity")
class PopularityRanker(Ranker):
    """Score every item by its interaction count (the same list for every user)."""

    def __init__(self, n_items: int) -> None:
        self.n_items = n_items

    @classmethod
    def test_config(cls) -> list[dict]:
        """Eight items."""
        return [{"params": {"n_items": 8}, "data": "interactions"}]

    def _fit_counts(self, codes: np.ndarray, items: np.ndarray) -> None:
        pass  # popularity counts are kept by the base class

    def _count(self, user: Hashable, history: list[int], item: int) -> None:
        pass

    def _score_history(self, history: list[int]) -> np.ndarray:
        return self.counts.copy()


@register_baseline("markov_chain")
class MarkovChainRanker(Ranker):
    r"""First-order Markov chain on consecutive items, smoothed towards popularity.

    With :math:`C_{ij}` the number of times item ``j`` directly followed item
    ``i`` in a user's history, :math:`N_i = \sum_j C_{ij}` and
    :math:`\pi_j` the popularity share of ``j``, a user whose last item is ``i``
    gets

    .. math:: s_j = \frac{C_{ij} + \lambda\,\pi_j}{N_i + \lambda},

    a Dirichlet-smoothed transition probability: it backs off to popularity when
    ``i`` has few observed successors. Users without history get :math:`\pi`.
    Memory: a dense (n_items, n_items) float32 count matrix.

    Parameters
    ----------
    n_items : int
    smoothing : float
        :math:`\lambda \ge 0`, the pseudo-count given to the popularity prior.
    """

    def __init__(self, n_items: int, smoothing: float = 1.0) -> None:
        self.n_items = n_items
        self.smoothing = smoothing

    @classmethod
    def test_config(cls) -> list[dict]:
        """Light and no smoothing."""
        return [
            {"params": {"n_items": 8, "smoothing": 0.5}, "data": "interactions"},
            {"params": {"n_items": 8, "smoothing": 0.0}, "data": "interactions"},
        ]

    def _fit_counts(self, codes: np.ndarray, items: np.ndarray) -> None:
        check_non_negative(self.smoothing, "smoothing")
        self.transitions = np.zeros((self.n_items, self.n_items), dtype=np.float32)  # (I, I)
        same_user = codes[1:] == codes[:-1]  # consecutive rows of one user
        np.add.at(self.transitions, (items[:-1][same_user], items[1:][same_user]), 1.0)

    def _count(self, user: Hashable, history: list[int], item: int) -> None:
        if history:
            self.transitions[history[-1], item] += 1.0

    def score_from_items(self, last_items: Sequence[int]) -> np.ndarray:
        """Scores (len(last_items), n_items) given each row's last item."""
        self._require_fitted()
        return np.stack([self._score_history([self._check_item(i)]) for i in last_items])

    def _score_history(self, history: list[int]) -> np.ndarray:
        popularity = self._popularity()
        if not history:
            return popularity
        row = self.transitions[history[-1]].astype(np.float64)  # (I,)
        denominator = row.sum() + self.smoothing
        if denominator == 0.0:
            return popularity
        return (row + self.smoothing * popularity) / denominator


@register_baseline("item_knn")
class ItemKNNRanker(Ranker):
    r"""Item-item cosine similarity on the binary user-item matrix.

    With :math:`X` the binary (users, items) matrix, :math:`C = X^\top X` counts
    users who interacted with both items and the similarity is

    .. math:: S_{ij} = \frac{C_{ij}}{\sqrt{C_{ii} C_{jj}}} \quad (i \ne j), \qquad S_{ii} = 0,

    equal to ``sklearn.metrics.pairwise.cosine_similarity(X.T)`` off the
    diagonal. A user is scored by summing the rows of :math:`S` for their
    ``n_recent`` most recent distinct items (all items when None); users without
    history score 0 everywhere. Repeated interactions count once. Memory: a dense
    (n_items, n_items) float32 co-occurrence matrix.

    Parameters
    ----------
    n_items : int
    n_recent : int or None
        How many of the latest distinct items form the user's query.
    """

    def __init__(self, n_items: int, n_recent: int | None = 5) -> None:
        self.n_items = n_items
        self.n_recent = n_recent

    @classmethod
    def test_config(cls) -> list[dict]:
        """The three most recent items, and the whole history."""
        return [
            {"params": {"n_items": 8, "n_recent": 3}, "data": "interactions"},
            {"params": {"n_items": 8, "n_recent": None}, "data": "interactions"},
        ]

    def _fit_counts(self, codes: np.ndarray, items: np.ndarray) -> None:
        if self.n_recent is not None:
            check_positive_int(self.n_recent, "n_recent")
        n_users = int(codes.max()) + 1 if codes.size else 0
        binary = sparse.csr_array(
            (np.ones(codes.size), (codes, items)), shape=(n_users, self.n_items)
        )  # (U, I), duplicates summed
        binary.sum_duplicates()
        binary.data[:] = 1.0  # repeated interactions count once
        self.cooccurrence = (binary.T @ binary).toarray().astype(np.float32)  # (I, I)

    def _count(self, user: Hashable, history: list[int], item: int) -> None:
        if item in history:
            return
        others = np.unique(np.asarray(history, dtype=np.int64))
        self.cooccurrence[item, others] += 1.0
        self.cooccurrence[others, item] += 1.0
        self.cooccurrence[item, item] += 1.0

    def similarity_rows(self, items: Sequence[int]) -> np.ndarray:
        """Cosine similarities :math:`S_{i,:}` for the given items, shape (len(items), n_items)."""
        self._require_fitted()
        rows = np.asarray(items, dtype=np.int64)
        counts = np.diag(self.cooccurrence).astype(np.float64)  # (I,) users per item
        norms = np.sqrt(np.outer(counts[rows], counts))  # (R, I)
        sims = np.divide(self.cooccurrence[rows], norms, out=np.zeros(norms.shape), where=norms > 0)
        sims[np.arange(rows.size), rows] = 0.0
        return sims

    def _score_history(self, history: list[int]) -> np.ndarray:
        recent = list(dict.fromkeys(reversed(history)))  # distinct, newest first
        if self.n_recent is not None:
            recent = recent[: self.n_recent]
        if not recent:
            return np.zeros(self.n_items)
        return self.similarity_rows(recent).sum(axis=0)
