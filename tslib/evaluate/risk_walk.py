"""The ``"risk"`` evaluation protocol: one-day VaR / ES / volatility forecasts over return streams.

:func:`~tslib.evaluate.backtest` and :func:`~tslib.evaluate.replay` send here every
risk model on return data (see :mod:`tslib.evaluate.risk_data`):

* the classical risk baselines of :mod:`tslib.baselines` (:class:`GarchVaR`,
  :class:`RiskMetricsVaR`, :class:`HistoricalVaR`, :class:`NormalVaR`), walked over the
  test span one day at a time: fitted once on the days before ``start`` and then
  ``update``-d (their own stepwise code, not a re-implementation); GARCH is the one
  model that is refitted, every ``refit_every`` days on the trailing ``fit_window``
  returns (all returns so far when None; never when ``refit_every`` is None);
* deep risk models: a :class:`~tslib.encoders.base.StepEncoder` with a
  :class:`~tslib.encoders.risk_head.StudentTQuantileHead`, whose output at day
  ``t - 1`` (one causal forward pass over the stream's inputs) is the Student-t
  distribution of day ``t``'s return divided by the stream's scale.

The forecast of day ``t`` uses returns before ``t`` only (the tests perturb later
returns and check that nothing moves). :func:`risk_backtest` returns one tidy row per
(model, stream, test day): ``return``, ``variance`` and per tail probability the
``var99`` / ``es99`` columns; ``qvar99`` for a quantile head's own VaR; with
``calibrate`` the VaR of adaptive conformal inference run over the forecasts
(``aci_log_var99``, ``aci_log_level99``: the level quoted each day); with ``periods``
a ``period`` column (sub-period tables: ``by=["stream", "period", "model"]``); with
``reference`` a ``ref_variance`` column for the Diebold-Mariano scorers. The scorers
are :data:`~tslib.evaluate.risk_report.RISK_SCORERS`; the live replay is
:func:`~tslib.evaluate.risk_replay.risk_replay`.

Examples
--------
>>> import numpy as np
>>> from tslib.baselines import HistoricalVaR
>>> from tslib.evaluate import backtest
>>> r = np.random.default_rng(0).standard_normal(600)
>>> table = backtest({"hs": HistoricalVaR(window=250)}, r, start=300, scorers=["var99_rate"])
>>> table[["model", "n"]].to_dict("records")
[{'model': 'hs', 'n': 300}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from tslib.baselines.riskmetrics import NormalVaR, RiskMetricsVaR
from tslib.baselines.volatility import GarchVaR, HistoricalVaR
from tslib.calibration.aci import AdaptiveConformal, calibrate_var
from tslib.encoders.base import StepEncoder
from tslib.errors import InputError
from tslib.evaluate.protocols import EvaluationProtocol
from tslib.evaluate.risk_data import RiskStream, as_risk_streams, is_return_data
from tslib.evaluate.risk_forecast import EmpiricalForecast, LocationScaleForecast, RiskForecast
from tslib.evaluate.risk_replay import is_risk_model, risk_replay
from tslib.evaluate.risk_report import RISK_SCORERS, aci_label, es_label, level_label
from tslib.validation import check_positive_int, check_probability

__all__ = ["risk_backtest", "deep_risk_forecast", "CALM", "PROTOCOL"]

#: The ``period`` of the days outside every named period.
CALM = "calm (rest)"


def _check_start(values: np.ndarray, start: int, need: int) -> None:
    if not need <= start < values.size:
        raise InputError(
            f"start must lie in [{need}, {values.size}) so that the first forecast has "
            f"{need} past returns, got {start}"
        )


def _garch_walk(
    model: GarchVaR, values: np.ndarray, start: int, refit_every: int | None, fit_window: int | None
) -> tuple[LocationScaleForecast, list[dict]]:
    """GARCH forecasts of days ``start ..``, refitted every ``refit_every`` days."""
    _check_start(values, start, 100)
    if model.dist not in ("t", "normal"):
        raise InputError(
            f"risk backtest: GarchVaR dist must be 't' or 'normal', got {model.dist!r}"
        )
    step = (
        values.size - start
        if refit_every is None
        else check_positive_int(refit_every, "refit_every")
    )
    if fit_window is not None:
        check_positive_int(fit_window, "fit_window")
    loc, sigma, df, fits = [], [], [], []
    for origin in range(start, values.size, step):
        first = 0 if fit_window is None else max(0, origin - fit_window)
        fitted = model.clone().fit(values[first:origin])
        params = fitted.params
        path = fitted.run(values[origin : origin + step])  # forecast, then observe
        sigma.append(path["sigma"].to_numpy())
        loc.append(np.full(len(path), params.get("mu", 0.0)))
        df.append(np.full(len(path), params.get("nu", np.nan)))
        fits.append({"day": origin, "n_obs": origin - first, **params})
    loc, sigma, df = np.concatenate(loc), np.concatenate(sigma), np.concatenate(df)
    if model.dist == "t":
        return LocationScaleForecast.from_standardized_t(loc, sigma, df), fits
    return LocationScaleForecast(loc, sigma), fits


def _riskmetrics_walk(model: RiskMetricsVaR, values: np.ndarray, start: int) -> RiskForecast:
    """RiskMetrics EWMA (normal, zero mean) fitted on the days before ``start``, updated daily."""
    _check_start(values, start, 1)
    path = model.clone().fit(values[:start]).run(values[start:])
    return LocationScaleForecast(np.zeros(len(path)), path["sigma"].to_numpy())


def _normal_walk(model: NormalVaR, values: np.ndarray, start: int) -> RiskForecast:
    """The unconditional normal of the days before ``start`` for every later day."""
    _check_start(values, start, 2)
    fitted = model.clone().fit(values[:start])
    n = values.size - start
    return LocationScaleForecast(np.full(n, fitted.mu), np.full(n, fitted.sigma_next))


def _historical_walk(model: HistoricalVaR, values: np.ndarray, start: int) -> RiskForecast:
    """Historical simulation over the trailing ``window`` returns of every day."""
    window = check_positive_int(model.window, "window")
    _check_start(values, start, window)
    views = np.lib.stride_tricks.sliding_window_view(values[:-1], window)  # (n - W, W)
    return EmpiricalForecast(views[start - window :], method=model.method)


def deep_risk_forecast(
    model: StepEncoder, stream: RiskStream
) -> tuple[LocationScaleForecast, np.ndarray]:
    """The Student-t forecasts of a risk-head encoder over a stream's test days.

    One causal forward pass over the stream's inputs; the head's output at day
    ``t - 1`` times the stream's ``scales[t - 1]`` is the distribution of day ``t``.

    Returns
    -------
    forecast : LocationScaleForecast
        ``stream.n_test`` distributions.
    quantile_var : numpy.ndarray
        (n_test, Q) VaR of the head's own quantiles (levels ``model.head.levels``).
    """
    was_training = model.training
    device = next(model.parameters()).device
    model.eval()
    try:
        with torch.no_grad():
            raw, _ = model(torch.from_numpy(stream.inputs).to(device)[None])  # (1, T, O)
            params = model.head.transform(raw)[0, :, 0].double().cpu().numpy()  # (T, 3 + Q)
    finally:
        model.train(was_training)
    params = params[stream.start - 1 : -1]  # output of day t - 1 predicts day t
    sigma = stream.scales[stream.start - 1 : -1]  # (n_test,)
    forecast = LocationScaleForecast.from_risk_head(params, sigma)
    return forecast, -sigma[:, None] * params[:, 3:]  # (n_test, Q)


def _forecast(
    model: object, stream: RiskStream, refit_every: int | None, fit_window: int | None
) -> tuple[RiskForecast, dict[str, np.ndarray], list[dict]]:
    """One model's forecasts over one stream: (forecast, quantile-head VaR columns, fits)."""
    values = stream.returns.to_numpy()
    if isinstance(model, GarchVaR):
        forecast, fits = _garch_walk(model, values, stream.start, refit_every, fit_window)
        return forecast, {}, fits
    if isinstance(model, RiskMetricsVaR):
        return _riskmetrics_walk(model, values, stream.start), {}, []
    if isinstance(model, NormalVaR):
        return _normal_walk(model, values, stream.start), {}, []
    if isinstance(model, HistoricalVaR):
        return _historical_walk(model, values, stream.start), {}, []
    if is_risk_model(model) and isinstance(model, StepEncoder):
        forecast, quantile_var = deep_risk_forecast(model, stream)
        levels = model.head.levels
        return (
            forecast,
            {f"q{level_label(a)}": quantile_var[:, j] for j, a in enumerate(levels)},
            [],
        )
    raise InputError(
        f"risk backtest: no walk for a {type(model).__name__}; use a GarchVaR, RiskMetricsVaR, "
        "HistoricalVaR, NormalVaR or an encoder with a StudentTQuantileHead"
    )


def _period_labels(dates: pd.Index, periods: Mapping[str, Sequence]) -> np.ndarray:
    if not isinstance(dates, pd.DatetimeIndex):
        raise InputError("risk backtest: periods need streams whose frame has a DatetimeIndex")
    labels = np.full(len(dates), CALM, dtype=object)
    for name, (first, last) in periods.items():
        inside = np.asarray((dates >= pd.Timestamp(first)) & (dates <= pd.Timestamp(last)))
        if (inside & (labels != CALM)).any():
            raise InputError(f"risk backtest: period {name!r} overlaps an earlier period")
        labels[inside] = name
    return labels


def _calibrators(calibrate: object) -> list[AdaptiveConformal]:
    if calibrate is None:
        return []
    items = [calibrate] if isinstance(calibrate, AdaptiveConformal) else list(calibrate)
    seen = set()
    for item in items:
        if not isinstance(item, AdaptiveConformal):
            raise InputError(f"risk backtest: calibrate takes AdaptiveConformal, got {item!r}")
        key = aci_label(item.scale, item.alpha)
        if key in seen:
            raise InputError(
                f"risk backtest: two calibrators give {key}; keep one per scale and level"
            )
        seen.add(key)
    return items


def risk_backtest(
    models: Mapping[str, object],
    data: object,
    *,
    start: int | None = None,
    levels: Sequence[float] = (0.01, 0.05),
    refit_every: int | None = 250,
    fit_window: int | None = None,
    calibrate: AdaptiveConformal | Sequence[AdaptiveConformal] | None = None,
    periods: Mapping[str, Sequence] | None = None,
    reference: str | None = None,
    **unknown: object,
) -> pd.DataFrame:
    """One-day risk forecasts of every model on every stream's test days, as one tidy frame.

    Parameters
    ----------
    models : mapping
        Name -> risk baseline (an unfitted template; a clone is fitted per stream) or
        risk-head encoder (trained).
    data : RiskStream, mapping id -> RiskStream, or a 1-D return series
        The streams (a plain series needs ``start``).
    start : int, optional
        First test day of a plain return series.
    levels : sequence of float
        Tail probabilities of the ``var`` / ``es`` columns.
    refit_every, fit_window : int or None
        GARCH refit period (None: fit once at ``start``) and trailing fit window
        (None: every return before the refit day).
    calibrate : AdaptiveConformal or sequence of them, optional
        Templates of online calibration run over every forecast (one per scale and
        level); adds ``aci_{scale}_var{L}`` and ``aci_{scale}_level{L}``.
    periods : mapping, optional
        Name -> (first day, last day) of dated sub-periods; adds a ``period`` column
        (``"calm (rest)"`` outside them). Periods must not overlap.
    reference : str, optional
        A model name; adds ``ref_variance`` (its variance forecast of the same day).

    Returns
    -------
    pandas.DataFrame
        One row per (model, stream, test day): ``model``, ``stream``, ``day``
        (position in the stream), ``date``, ``return``, ``variance``, the level columns
        and the optional ones. ``attrs["fits"]`` maps ``(model, stream)`` to the GARCH
        fits (day, n_obs, parameters).

    Raises
    ------
    InputError
        Bad data, a start without enough history, an unknown reference, overlapping
        periods, a model with no walk.
    """
    if unknown:
        raise InputError(
            f"risk backtest: unknown options {sorted(unknown)}; use start, levels, refit_every, "
            "fit_window, calibrate, periods or reference"
        )
    streams = as_risk_streams(data, start)
    levels = tuple(check_probability(a, "levels") for a in levels)
    calibrators = _calibrators(calibrate)
    if reference is not None and reference not in models:
        raise InputError(f"risk backtest: reference {reference!r} is not one of {list(models)}")
    frames, fits = [], {}
    for stream_id, stream in streams.items():
        r = stream.returns.to_numpy()[stream.start :]  # (n,)
        dates = stream.frame.index[stream.start :]
        labels = None if periods is None else _period_labels(dates, periods)
        per_model = {}
        for name, model in models.items():
            forecast, extra, model_fits = _forecast(model, stream, refit_every, fit_window)
            if model_fits:
                fits[(name, stream_id)] = model_fits
            columns = {
                "model": name,
                "stream": stream_id,
                "day": np.arange(stream.start, len(stream.frame)),
                "date": dates,
                "return": r,
                "variance": forecast.variance(),
            }
            for alpha in levels:
                columns[level_label(alpha)] = forecast.var(alpha)
                columns[es_label(alpha)] = forecast.es(alpha)
            columns.update(extra)
            for aci in calibrators:
                path = calibrate_var(forecast, r, aci.alpha, aci.gamma, aci.scale, aci.floor)
                label = aci_label(aci.scale, aci.alpha)
                columns[label] = path["var"].to_numpy()
                columns[label.replace("_var", "_level")] = path["level"].to_numpy()
            if labels is not None:
                columns["period"] = labels
            per_model[name] = pd.DataFrame(columns)
        if reference is not None:
            for frame in per_model.values():
                frame["ref_variance"] = per_model[reference]["variance"].to_numpy()
        frames.extend(per_model.values())
    result = pd.concat(frames, ignore_index=True)
    result.attrs["fits"] = fits
    return result


def _accepts(model: object, data: object) -> bool:
    return is_risk_model(model) and is_return_data(data)


#: Risk models (VaR / ES / volatility) on return streams.
PROTOCOL = EvaluationProtocol(
    name="risk",
    accepts=_accepts,
    backtest=risk_backtest,
    replay=risk_replay,
    group_columns=("stream", "model"),
    scorers=RISK_SCORERS,
)
