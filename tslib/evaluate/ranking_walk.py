"""The ``"ranking"`` evaluation protocol: next-item rankers under leave-last-out, and live serving.

``tslib.backtest(models, task, ...)`` with a :class:`~tslib.evaluate.next_item_task.NextItemTask`
scores every model on the same users, targets and exclusions:

* a classical ranker of :mod:`tslib.baselines` (popularity, Markov chain, item-kNN) is
  cloned and fitted on the task's histories (``fit(task.interactions())``), then scores
  every item for every user;
* a next-item encoder (GRU4Rec-style :class:`~tslib.encoders.NextItemEncoder`,
  :class:`~tslib.encoders.SASRecEncoder`, or any :class:`~tslib.encoders.base.StepEncoder`
  whose output is one score per item) reads each history (its last ``max_len`` items) in
  length-sorted, right-padded batches; the output at the last real step scores the next
  item. That equals stepping a fresh runner stream through the history, to float rounding
  (the encoder contract);
* a fixed (n_users, n_items) score matrix (an oracle, say) is ranked as given.

The result is tidy: one row per (model, user) with the target's full-ranking rank (and,
with ``n_negatives``, its rank among sampled negatives, the same negatives for every
model). The scorers (:func:`ranking_scorers`: ``HR@k``, ``NDCG@k``, ``MRR`` and their
``(sampled)`` versions) average the per-user values of
:func:`~tslib.metrics.ranking.metrics_from_ranks`; group by ``("model", "user")`` for the
per-user rows of a paired bootstrap.

``tslib.replay(model_or_runner, events, ...)`` with a next-item encoder and an events frame
is the live ranking replay of :mod:`tslib.evaluate.ranking_replay` (predict the top-k,
then observe, users interleaved in time, warm start, latency budget).

Examples
--------
>>> import tslib as ts
>>> from tslib.baselines import PopularityRanker
>>> task = NextItemTask(np.array([1, 2]), (np.array([0, 1]), np.array([1])), np.array([2, 2]), 3)
>>> table = ts.backtest({"pop": PopularityRanker(3)}, task, scorers=["HR@1", "MRR"])
>>> table[["model", "n", "HR@1", "MRR"]].to_dict("records")  # ranks 1 and 2 among unseen items
[{'model': 'pop', 'n': 2, 'HR@1': 0.5, 'MRR': 0.75}]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from tslib.baselines.ranking import Ranker
from tslib.encoders.base import StepEncoder
from tslib.errors import InputError
from tslib.evaluate.next_item_task import NextItemTask
from tslib.evaluate.protocols import EvaluationProtocol
from tslib.evaluate.ranking_replay import RankingReplayResult, _ranking_replay
from tslib.metrics.ranking import metrics_from_ranks, rank_bounds, sampled_ranks
from tslib.runner.runner import StepwiseRunner
from tslib.validation import check_one_of, check_positive_int

__all__ = ["RANKING_BACKTEST_COLUMNS", "ranking_backtest", "ranking_scorers", "PROTOCOL"]

#: Columns of the ranking backtest frame (the ``sampled_*`` pair only with ``n_negatives``).
RANKING_BACKTEST_COLUMNS = [
    "model", "user", "item", "rank", "best_rank", "sampled_rank", "sampled_best_rank",
]  # fmt: skip

#: Cut-offs of the named scorers the protocol knows (``HR@10``, ``NDCG@10 (sampled)``...).
SCORER_KS = (1, 5, 10, 20, 50, 100)


def _last_outputs(model: torch.nn.Module, x: torch.Tensor, last: torch.Tensor) -> torch.Tensor:
    """Scores (B, N) at step ``last[b]`` of each row of ``x`` (B, T, 1)."""
    rows = torch.arange(x.shape[0])
    if hasattr(model, "encode") and hasattr(model, "scores"):
        projected, _ = model.encode(x)  # (B, T, D)
        return model.scores(projected[rows, last])  # (B, N)
    core, items = getattr(model, "core", None), getattr(model, "items", None)
    if hasattr(model, "item_ids") and core is not None and isinstance(items, torch.nn.Embedding):
        ids = model.item_ids(x, 3, "backtest (ranking)")  # (B, T)
        projected, _ = core(items(ids))  # (B, T, E)
        return model.scores(projected[rows, last])  # (B, N)
    outputs, _ = model(x)  # (B, T, N)
    return outputs[rows, last]


@torch.no_grad()
def _score_histories(
    model: torch.nn.Module,
    histories: Sequence[np.ndarray],
    *,
    max_len: int | None = None,
    batch_size: int = 128,
) -> np.ndarray:
    """Scores over all items after each history, shape (len(histories), n_items), float32.

    Only the last step of each history is scored against the catalogue when the
    encoder exposes its pre-scoring outputs (``encode`` on SASRec, ``core`` + ``items``
    on GRU4Rec); otherwise the full forward is read at that step.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    if max_len is not None:
        max_len = check_positive_int(max_len, "max_len")
    cut = [np.asarray(h, dtype=np.int64)[-max_len if max_len else None :] for h in histories]
    empty = [index for index, h in enumerate(cut) if h.size == 0]
    if empty:
        raise InputError(f"backtest (ranking): history {empty[0]} is empty")
    lengths = np.array([h.size for h in cut], dtype=np.int64)
    order = np.argsort(lengths, kind="stable")
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    result: np.ndarray | None = None
    try:
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            steps = int(lengths[chosen].max())
            x = np.zeros((chosen.size, steps, 1), dtype=np.float32)
            for row, index in enumerate(chosen):
                x[row, : lengths[index], 0] = cut[index]
            last = torch.from_numpy(lengths[chosen] - 1)
            scores = _last_outputs(model, torch.from_numpy(x).to(device), last.to(device))
            if result is None:
                result = np.empty((len(cut), scores.shape[-1]), dtype=np.float32)
            result[chosen] = scores.float().cpu().numpy()
    finally:
        model.train(was_training)
    return result if result is not None else np.empty((0, 0), dtype=np.float32)


def _model_scores(
    name: str, model: object, task: NextItemTask, max_len: int | None, batch_size: int
) -> np.ndarray:
    """(U, n_items) scores of one model for the task's users."""
    if isinstance(model, Ranker):
        if model.n_items != task.n_items:
            raise InputError(
                f"backtest (ranking): ranker {name!r} has n_items={model.n_items}, "
                f"the task {task.n_items}"
            )
        return model.clone().fit(task.interactions()).score(task.users.tolist())
    if isinstance(model, np.ndarray):
        if model.shape != (len(task), task.n_items):
            raise InputError(
                f"backtest (ranking): score matrix {name!r} must be (users, items) = "
                f"{(len(task), task.n_items)}, got {model.shape}"
            )
        return model
    if isinstance(model, StepEncoder):
        if model.n_outputs != task.n_items:
            raise InputError(
                f"backtest (ranking): model {name!r} scores {model.n_outputs} items, "
                f"the task has {task.n_items}"
            )
        return _score_histories(model, task.histories, max_len=max_len, batch_size=batch_size)
    raise InputError(
        f"backtest (ranking): model {name!r} is a {type(model).__name__}; use a Ranker, "
        "a next-item StepEncoder or a (users, items) score matrix"
    )


def ranking_backtest(
    models: Mapping[str, object],
    task: NextItemTask,
    *,
    max_len: int | None = None,
    exclude_seen: bool = True,
    repeats: str = "miss",
    ties: str = "pessimistic",
    n_negatives: int | None = None,
    seed: int = 0,
    batch_size: int = 128,
) -> pd.DataFrame:
    """Rank every user's target under every model; one row per (model, user).

    Parameters
    ----------
    models : mapping
        Name -> :class:`~tslib.baselines.ranking.Ranker`, next-item
        :class:`~tslib.encoders.base.StepEncoder` or (users, items) score matrix.
    task : NextItemTask
        Users, histories and targets.
    max_len : int, optional
        Encoders read only the last ``max_len`` items of each history (rankers read all).
    exclude_seen : bool
        Remove each user's history items from the candidates (full and sampled).
    repeats : {"miss", "keep", "raise"}
        A target already in the history, under ``exclude_seen`` (see
        :mod:`tslib.metrics.ranking`); ``"miss"`` gives it rank ``inf``.
    ties : {"pessimistic", "average"}
        Tie rule: ``best_rank`` is ``rank`` (pessimistic) or the best tied rank (average).
    n_negatives : int, optional
        Also rank each target among this many sampled unseen items (the same draw for
        every model, from ``seed``); at most ``task.max_negatives(exclude_seen)``.
    seed : int
        Seed of the sampled negatives.
    batch_size : int
        Histories per encoder forward.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RANKING_BACKTEST_COLUMNS` (``item`` is the target), models in
        the given order, users in the task's order; ``attrs`` holds ``ties``,
        ``n_negatives`` and ``n_items``.
    """
    if not isinstance(task, NextItemTask):
        raise InputError(
            f"backtest (ranking): data must be a NextItemTask, got {type(task).__name__}"
        )
    check_one_of(ties, ("pessimistic", "average"), "ties")
    if n_negatives is not None:
        n_negatives = check_positive_int(n_negatives, "n_negatives")
    exclude = task.seen_mask() if exclude_seen else None
    frames = []
    for name, model in models.items():
        scores = _model_scores(name, model, task, max_len, batch_size)  # (U, I)
        best, worst = rank_bounds(scores, task.targets, exclude, repeats)
        columns = {
            "model": name,
            "user": task.users,
            "item": task.targets,
            "rank": worst,
            "best_rank": best if ties == "average" else worst,
        }
        if n_negatives is not None:
            sampled_best, sampled_worst = sampled_ranks(
                scores, task.targets, n_negatives, seed, exclude, ties, repeats
            )
            columns.update(sampled_rank=sampled_worst, sampled_best_rank=sampled_best)
        frames.append(pd.DataFrame(columns))
        del scores
    if not frames:
        raise InputError("backtest (ranking): give at least one model")
    frame = pd.concat(frames, ignore_index=True)
    frame.attrs.update(ties=ties, n_negatives=n_negatives, n_items=task.n_items)
    return frame


def _rank_scorer(metric: str, k: int | None, sampled: bool) -> Callable[[pd.DataFrame], float]:
    """Scorer averaging the per-user ``metric`` (``HR``, ``NDCG``, ``MRR``) over a group."""
    prefix = "sampled_" if sampled else ""
    key = metric if k is None else f"{metric}@{k}"

    def scorer(group: pd.DataFrame) -> float:
        if f"{prefix}rank" not in group.columns:
            raise InputError(
                f"score: {key}{' (sampled)' if sampled else ''} needs a '{prefix}rank' column "
                "(a ranking backtest frame; sampled metrics need backtest(..., n_negatives=N))"
            )
        worst = group[f"{prefix}rank"].to_numpy(dtype=np.float64)
        best = group.get(f"{prefix}best_rank", group[f"{prefix}rank"]).to_numpy(dtype=np.float64)
        tied = None if np.array_equal(best, worst) else best
        values = metrics_from_ranks(worst, () if k is None else (k,), best_ranks=tied)[key]
        return float(np.mean(values))

    scorer.__name__ = key + (" (sampled)" if sampled else "")
    return scorer


def ranking_scorers(
    ks: Sequence[int] = (10,), *, sampled: bool = False
) -> dict[str, Callable[[pd.DataFrame], float]]:
    """Scorers of a ranking backtest frame: ``HR@k``, ``NDCG@k`` (each ``k``) and ``MRR``.

    With ``sampled=True`` also ``HR@k (sampled)`` and ``NDCG@k (sampled)`` (the frame
    needs ``n_negatives``). Each averages the per-user values of
    :func:`~tslib.metrics.ranking.metrics_from_ranks` over the rows of a group.

    Examples
    --------
    >>> list(ranking_scorers((5, 10), sampled=True))
    ['HR@5', 'NDCG@5', 'HR@10', 'NDCG@10', 'MRR', 'HR@5 (sampled)', 'NDCG@5 (sampled)', \
'HR@10 (sampled)', 'NDCG@10 (sampled)']
    """
    ks = [check_positive_int(k, "k") for k in ks]
    scorers = {}
    for k in ks:
        scorers[f"HR@{k}"] = _rank_scorer("HR", k, False)
        scorers[f"NDCG@{k}"] = _rank_scorer("NDCG", k, False)
    scorers["MRR"] = _rank_scorer("MRR", None, False)
    if sampled:
        for k in ks:
            scorers[f"HR@{k} (sampled)"] = _rank_scorer("HR", k, True)
            scorers[f"NDCG@{k} (sampled)"] = _rank_scorer("NDCG", k, True)
    return scorers


def _is_next_item_model(model: object) -> bool:
    return isinstance(model, StepEncoder) and callable(getattr(model, "item_ids", None))


def _accepts(model: object, data: object) -> bool:
    if isinstance(data, NextItemTask):
        return isinstance(model, (Ranker, np.ndarray, StepEncoder))
    return isinstance(data, pd.DataFrame) and _is_next_item_model(model)


def _replay(
    model_or_runner: StepwiseRunner | StepEncoder,
    events: pd.DataFrame,
    *,
    device: str = "auto",
    **options,
) -> RankingReplayResult:
    """The live ranking replay (see :mod:`tslib.evaluate.ranking_replay`): ``(frame, summary)``."""
    return _ranking_replay(model_or_runner, events, device=device, **options)


#: Next-item rankers: classical rankers, next-item encoders and score matrices on a
#: :class:`NextItemTask` (backtest); next-item encoders on an events frame (replay).
PROTOCOL = EvaluationProtocol(
    name="ranking",
    accepts=_accepts,
    backtest=ranking_backtest,
    replay=_replay,
    group_columns=("model",),
    scorers={
        **ranking_scorers(SCORER_KS, sampled=True),
        "MRR (sampled)": _rank_scorer("MRR", None, True),
    },
)
