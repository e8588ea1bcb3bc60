# %% [markdown]
# # Weather, one observation at a time: temperature forecasts with calibrated intervals, rain and fusion
#
# **Question.** Does a stepwise model that reads every weather variable forecast temperature
# better than persistence, climatology and SARIMAX at short and medium horizons, with honest
# prediction intervals, and what does fusing the other variables add over the target alone?
#

# %% [markdown] tags=["answer"]
# **Answer (default data: Seattle daily weather 2012-2015, test span March-December 2015).**
# Yes at one day ahead, but only just, and the stepwise models' multi-day intervals are too
# narrow. On the 292-day test span the best deep model, a GRU that reads all four variables,
# has a one-day RMSE of 2.77 °C: 0.898 × persistence (3.09 °C) and 2 % below SARIMAX with
# annual Fourier terms (2.83 °C) and climatology plus the decayed last anomaly (2.83 °C). A
# Diebold–Mariano test cannot tell it from SARIMAX (p = 0.23). Its 95 % interval covers
# 93.7 % of test days, so the three goals (≤ 0.9 × persistence, no worse than SARIMAX,
# 93–97 % coverage) are met, each with a thin margin. At seven days the fused GRU and LSTM
# have the lowest RMSE (3.68 °C against 3.84 °C for climatology, p = 0.12), but their 95 %
# intervals cover only 81 % of the targets. Fusing the other variables buys about 2 %
# (the same LSTM: 2.81 °C with every variable, 2.87 °C with the target alone). For rain at
# the next day the GRU classifier has the best Brier score (0.171, climatology 0.190,
# persistence 0.277). On the hourly 2010 record, which behaves like smoothed climate
# normals, the value 24 hours earlier is almost exact, and every deep model loses to that
# seasonal naive forecast.
#

# %%
# NBVAL_IGNORE_OUTPUT
import platform
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from statsmodels.tools.sm_exceptions import ConvergenceWarning

import tslib as ts
import tslib.evaluate as te
import tslib.plots as tp
from tslib import parameters as param
from tslib.baselines import NaiveForecaster
from tslib.baselines.event_climatology import event_climatology
from tslib.checks import stepwise_gap
from tslib.encoders import FORECASTER_KINDS
from tslib.metrics import reliability_table
from tslib.plots.exploration import plot_exploration
from tslib.plots.labels import axis_label
from tslib.plots.variables import plot_variables
from tslib.evaluate.origin_spacing import origin_spacing
from tslib.evaluate.replay_persistence import replay_against_persistence
from tslib.preprocess import prepare_forecast_data
from tslib.preprocess.data_defaults import default_horizons, default_target, find_column, grid_step
from tslib.reports import record, record_headline
from tslib.reports.data_card import data_card, grid_card
from tslib.reports.table_metrics import table_metrics
from tslib.runner import resolve_device
from tslib.training import make_windows
from tslib.training.forecaster_suite import fit_forecasters, fit_on_data, window_stride

NOTEBOOK_STARTED = time.perf_counter()
tp.use_style()
print(f"tslib {ts.__version__} | torch {torch.__version__} | python {platform.python_version()}")
print(f"threads: {torch.get_num_threads()} | cuda: {torch.cuda.is_available()}")

# %% tags=["parameters"]
SEED = 0  # seeds numpy, torch and every model's initial weights
QUICK = False  # smoke-test sizes: a few epochs, small models, fewer scored origins
DEVICE = "auto"  # device of the replay runner; training always runs on the CPU (deterministic)
DATASET = "seattle_weather"  # tslib.datasets name: "seattle_weather", "jena_climate", "csv", ...
DATA_PATH = None  # the file for DATASET ("csv": a time column and numeric columns)
LOAD_OPTIONS = {}  # extra loader options, e.g. {"time_column": "DATE", "drop_missing_targets": True}
SECOND_DATASET = "auto"  # a second part: "auto" is seattle_temps (hourly) with the default data
TARGET = None  # column to forecast; None: the dataset's first target (or its first numeric column)
HORIZONS = None  # horizons scored, e.g. [1, 7]; None: [1, 7] for daily data, [1, 24] for hourly
TEST_FRACTION = 0.2  # the last span of the grid: the test span
VAL_FRACTION = 0.15  # the span before it: early stopping of the deep models
RESAMPLE = "auto"  # grid step: "auto" averages sub-hourly data into hours; "1h", "1D"; None: as is
HIDDEN = 32  # LSTM / GRU hidden size and transformer width
CONTEXT = 64  # transformer attention window, in steps
WINDOW = 64  # training window length, in steps
EPOCHS = 40  # maximum epochs; early stopping on the validation span
PATIENCE = 6  # epochs without validation improvement before stopping
TARGET_WEIGHT = 3.0  # loss weight of the target among the variables a model predicts
MAX_TRAIN_WINDOWS = 200  # windows per epoch: the stride grows up to WINDOW on long files
MAX_ORIGINS = 3000  # horizon-1 test origins scored at most (evenly spaced on long files)
MAX_LONG_ORIGINS = 300  # test origins scored at the longest horizon at most
SARIMAX_WINDOW = 8760  # SARIMAX and ETS fit on at most this many recent pre-test rows
RAIN_COLUMN = "auto"  # precipitation column for rain classification; "auto": found by name
RAIN_THRESHOLD = 0.0  # precipitation above this (data units) is rain
LATENCY_BUDGET_MS = 1.0  # deadline of one replay tick

# %%
_ = param.check_parameters(
    globals(),
    SEED=param.integer(0),
    QUICK=param.boolean(),
    DEVICE=param.device(),
    DATASET=param.choice(*ts.datasets.list_datasets()),
    DATA_PATH=param.optional(param.path()),
    LOAD_OPTIONS=param.mapping_of(param.text()),
    SECOND_DATASET=param.choice("auto", None, *ts.datasets.list_datasets()),
    TARGET=param.optional(param.text()),
    HORIZONS=param.optional(param.sequence_of(param.integer(1), unique=True)),
    TEST_FRACTION=param.real(0, 1, low_open=True, high_open=True),
    VAL_FRACTION=param.real(0, 1, low_open=True, high_open=True),
    RESAMPLE=param.any_of(param.choice("auto", None), param.frequency()),
    HIDDEN=param.integer(2, multiple_of=2),  # the transformer splits its width over 2 heads
    CONTEXT=param.integer(1),
    WINDOW=param.integer(2),
    EPOCHS=param.integer(1),
    PATIENCE=param.integer(1),
    TARGET_WEIGHT=param.real(0, None, low_open=True),
    MAX_TRAIN_WINDOWS=param.integer(1),
    MAX_ORIGINS=param.integer(1),
    MAX_LONG_ORIGINS=param.integer(1),
    SARIMAX_WINDOW=param.integer(100),
    RAIN_COLUMN=param.optional(param.text()),
    RAIN_THRESHOLD=param.real(),
    LATENCY_BUDGET_MS=param.real(0, None, low_open=True),
)

# %%
torch.manual_seed(SEED)
np.random.seed(SEED)
torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)  # tiny models: one thread avoids an OpenMP barrier on every small product
if QUICK:
    EPOCHS, PATIENCE, HIDDEN = min(EPOCHS, 3), 2, min(HIDDEN, 16)
    MAX_TRAIN_WINDOWS, MAX_ORIGINS, MAX_LONG_ORIGINS = 48, min(MAX_ORIGINS, 150), 30
SARIMAX_ITERATIONS = 10 if QUICK else 50
BURN_IN = min(16, WINDOW // 4)  # warm-up steps of each training window left out of the loss
ARCH = {"hidden": HIDDEN, "context": CONTEXT}  # every deep model's size
WINDOWS = {"window": WINDOW, "max_windows": MAX_TRAIN_WINDOWS}  # training windows per part
FIT = {"epochs": EPOCHS, "patience": PATIENCE, "batch_size": 32, "lr": 3e-3, "burn_in": BURN_IN}
FIT |= {"seed": SEED, "device": "cpu", "progress": False}  # every model: one schedule, on the CPU
REPLAY_DEVICE = resolve_device(DEVICE)
warnings.filterwarnings("ignore", category=ConvergenceWarning)  # statsmodels' optimiser notes

# %% [markdown]
# ## 1. Data
#
# The default is two packaged NOAA records from `vega_datasets`: Seattle **daily** weather
# (2012-2015: precipitation, maximum and minimum temperature, wind, weather type) and, as a
# second part, Seattle **hourly** temperature for 2010. With `DATASET="csv"` and `DATA_PATH`
# the notebook reads any station file with a time column and numeric columns;
# `DATASET="jena_climate"` reads the Jena 10-minute record, averaged into hours. Nothing
# below assumes the default's columns: the target comes from the dataset's metadata (or
# `TARGET`), the step is inferred from the timestamps, and a section that needs something the
# data lacks says so in one line and is skipped.

# %%
loaded = {DATASET: ts.load(DATASET, path=DATA_PATH, **LOAD_OPTIONS)}
if SECOND_DATASET == "auto":
    SECOND_DATASET = "seattle_temps" if DATASET == "seattle_weather" and DATA_PATH is None else None
if SECOND_DATASET:
    loaded[SECOND_DATASET] = ts.load(SECOND_DATASET)
else:
    print("one part: no second dataset with this data")
targets = {n: default_target(ds, TARGET if n == DATASET else None) for n, ds in loaded.items()}
units = {name: dataset.info.units for name, dataset in loaded.items()}  # column -> unit, if known

# %%
# NBVAL_CHECK_OUTPUT
for name, dataset in loaded.items():
    print(data_card(name, dataset, targets[name]))

# %% [markdown]
# ### Regular grid, causal imputation, split
#
# Each part goes onto a regular grid of its step (sub-hourly data is averaged into hours,
# each hour labelled by its right edge so it only uses readings up to its label). A missing
# timestamp becomes a NaN row and is filled causally (forward fill; the training mean for
# anything before the first reading), and the notebook remembers every filled cell: **a
# filled target is never scored**. The grid is split in time into training, validation
# (early stopping) and the last `TEST_FRACTION` as test. Everything that is fitted (the
# fill values, the scaler) is fitted on the training rows only. Precipitation, mostly zeros
# with a long tail, is modelled as `log1p`. Calendar sin/cos columns (day of year with at
# least two years of training data, hour of day below a daily step) are known in advance.

# %%
# NBVAL_CHECK_OUTPUT
data, horizons = {}, {}
for name, dataset in loaded.items():
    data[name] = prepare_forecast_data(
        dataset.frame,
        targets[name],
        step=grid_step(dataset.frame.index, RESAMPLE),  # "auto": at least hourly
        test_fraction=TEST_FRACTION,
        val_fraction=VAL_FRACTION,
        log1p="auto",
    )
    horizons[name] = default_horizons(data[name].step, HORIZONS if name == DATASET else None)
    print(grid_card(name, data[name], horizons[name]))
primary = data[DATASET]

# %% [markdown]
# ### Exploration
#
# The series, the seasonal cycle of the target, its autocorrelation, and how the other
# variables at time t correlate with the target at t + lag (all on the data before the test
# span).

# %%
shown = primary.variables[:6]
if len(primary.variables) > len(shown):
    print(f"showing {len(shown)} of {len(primary.variables)} variables")
title = f"{DATASET}: the test span starts at the dotted line"
split_at = primary.index[primary.test_start]
_ = plot_variables(primary.raw[shown], split_at=split_at, units=units[DATASET], title=title)
plt.show()

# %%
history = primary.raw.iloc[: primary.test_start]
cycles = {
    name: (d.raw[d.target].iloc[: d.test_start], axis_label(d.target, units[name]))
    for name, d in data.items()
}
_ = plot_exploration(cycles, history, primary.target, primary.step)
plt.show()
if len(primary.variables) == 1:
    print("cross-correlations skipped: the data has one variable")
lag1 = history[primary.target].autocorr(1)
print(f"lag-1 autocorrelation of {primary.target}: {lag1:.2f}")

# %% [markdown]
# ## 2. Deep models
#
# Three stepwise architectures (LSTM, GRU, a causal transformer with a 64-step attention
# window), each with a Gaussian head: at every step they output a mean and a standard
# deviation for the next value, which gives the 80 % and 95 % intervals. The fused models
# read every variable and the calendar columns, and predict every variable, so that at
# horizons beyond one step they feed their own predictions back (the calendar is known in
# advance; nothing else is used from the future). The loss is the Gaussian negative
# log-likelihood with the target weighted `TARGET_WEIGHT` times. For the fusion question
# the same LSTM is trained on the target alone (plus the calendar). Training uses windows
# of the training span; early stopping watches the validation span that follows it.

# %%
# NBVAL_IGNORE_OUTPUT
models, histories = {}, []
for name, d in data.items():
    target_only_too = len(d.variables) > 1 and name == DATASET
    for suffix, target_only in [("", False)] + [("_target_only", True)] * target_only_too:
        kinds = ["lstm"] if target_only else FORECASTER_KINDS
        options = {"target_weight": TARGET_WEIGHT, "weight_seed": SEED, **WINDOWS, **ARCH, **FIT}
        fitted, history = fit_on_data(kinds, d, target_only=target_only, **options)
        models |= {(name, kind + suffix): model for kind, model in fitted.items()}
        histories.append(history.assign(part=name, model=history["model"] + suffix))
tp.format_table(pd.concat(histories, ignore_index=True))

# %%
# NBVAL_CHECK_OUTPUT
for (name, kind), model in models.items():
    x = data[name].x(kind.endswith("_target_only"))[:96]  # (96, F)
    print(f"{name} {kind}: stepwise == forward: {stepwise_gap(model, x) <= 1e-5}")

# %% [markdown]
# ## 3. Baselines and the time-ordered test
#
# On the very same test origins:
#
# * **persistence**: tomorrow (the next hour) is like today;
# * **seasonal naive**: the value one year earlier (daily) or one day earlier (hourly);
# * **climatology**: the training mean at that point of the cycle (a least-squares fit on
#   Fourier terms of the day of year and of the hour of day, i.e. a smoothed mean by day of
#   year or hour of day) plus the last anomaly, decayed as an AR(1);
# * **SARIMAX(2,0,1)** with the same Fourier terms as regressors (a seasonal period of 365
#   days is too long for SARIMAX's seasonal part), fitted **once** on the data before the
#   test span (at most `SARIMAX_WINDOW` recent rows) and then advanced with the Kalman
#   filter's `extend`, never refitted;
# * **ETS** (simple exponential smoothing, additive errors) for daily data.
#
# Every model gives a Gaussian predictive distribution, scored with MAE, RMSE, MASE, the
# coverage and width of its 80 % and 95 % intervals, and the CRPS. Horizon 1 is scored at
# every test origin (at most `MAX_ORIGINS`), the longer horizon on evenly spaced origins (at
# most `MAX_LONG_ORIGINS`), and every table compares the models on the same targets. All
# errors are in data units.

# %%
# NBVAL_IGNORE_OUTPUT
DEEP = ["lstm", "gru", "transformer"]
frames, tables, timings = {}, {}, []
for name, d in data.items():
    n_test = len(d.inputs) - d.test_start
    entries = {k: m for (p, k), m in models.items() if p == name and not k.endswith("_only")}
    if (name, "lstm_target_only") in models:
        x = d.x(target_only=True)  # the target, then the calendar (known in advance)
        only = models[name, "lstm_target_only"]
        entries["lstm_target_only"] = te.ForecastSpec(only, x=x, known_columns=range(1, x.shape[1]))
    frames[name] = ts.backtest(
        entries,  # the deep models; baselines="seasonal" adds the classical ones
        d.y,
        start=d.test_start,
        horizon=horizons[name],
        every=origin_spacing(n_test, horizons[name], MAX_ORIGINS, MAX_LONG_ORIGINS),
        x=d.x(),
        known_columns=d.known_columns,  # the calendar columns
        interval=0.95,
        levels=(0.8,),  # Gaussian 80 % intervals and CRPS from the 95 % interval
        target_transform=d.pipeline,  # everything in data units
        observed=~d.missing[d.target].to_numpy(),  # never score a filled target
        common=True,  # every model on the same targets
        baselines="seasonal",
        baseline_window=SARIMAX_WINDOW,
        baseline_maxiter=SARIMAX_ITERATIONS,
        device="cpu",
    )
    print(f"{name}: " + "; ".join(frames[name].attrs["notes"]))
    y_train = d.raw[d.target].iloc[: d.test_start].to_numpy()
    scorers = te.forecast_scorers(levels=(0.8, 0.95), y_train=y_train)
    tables[name] = ts.score(frames[name], scorers, by=["model", "horizon"])
    seconds = frames[name].attrs["seconds"]
    timings += [{"part": name, "model": m, "seconds": s} for m, s in seconds.items()]
tp.format_table(pd.DataFrame(timings))

# %%
# NBVAL_IGNORE_OUTPUT
for name, d in data.items():
    for horizon in horizons[name]:
        table = tables[name][tables[name]["horizon"] == horizon].sort_values("rmse")
        print(f"== {name}, horizon {horizon} ({horizon} x {d.step}), units of {d.target}")
        print(tp.format_table(table.drop(columns="horizon")).to_string(index=False))

# %% [markdown]
# ### Is the best deep model really better than the best baseline?
#
# A Diebold–Mariano test (squared-error loss, Harvey–Leybourne–Newbold correction) of the
# deep model with the lowest horizon-1 RMSE against the baseline with the lowest horizon-1
# RMSE, at each horizon. A negative statistic means the deep model has the lower loss.

# %%
# NBVAL_IGNORE_OUTPUT
dm_rows, best = [], {}
for name, table in tables.items():
    h1 = table[table["horizon"] == 1].set_index("model")["rmse"]
    baselines = frames[name].attrs["baselines"]
    best[name] = (h1[h1.index.isin(DEEP)].idxmin(), h1[h1.index.isin(baselines)].idxmin())
    for horizon in horizons[name]:
        dm_rows.append({"part": name, **te.paired_dm_test(frames[name], *best[name], horizon)})
columns = ["part", "model_a", "model_b", "horizon", "n", "mean_loss_diff", "stat", "pvalue"]
tp.format_table(pd.DataFrame(dm_rows)[columns])

# %% [markdown]
# ### Fan chart and error by season
#
# The one-step forecasts of the best deep model over one test month (a week for hourly data),
# with its 80 % and 95 % intervals and the best baseline's forecast; then the horizon-1 RMSE
# of every model by meteorological season.

# %%
for name, d in data.items():
    rows = frames[name][frames[name]["horizon"] == 1]
    span = pd.DateOffset(months=1) if d.step >= pd.Timedelta("1D") else pd.Timedelta("7D")
    end = rows["timestamp"].max()  # the last month (week) of the test span
    start = max(end - span, rows["timestamp"].min())
    ylabel = axis_label(d.target, units[name])
    ax = tp.plot_fan_chart(rows, best[name][0], start, end, others=(best[name][1],), ylabel=ylabel)
    ax.set_title(f"{name}: one-step forecasts of {d.target} from {start:%d %B %Y}", fontsize=8)
    plt.show()

# %%
# NBVAL_IGNORE_OUTPUT
by_season = te.rmse_by_season(frames[DATASET][frames[DATASET]["horizon"] == 1])
ax = by_season.plot.bar(figsize=(9, 3.2), rot=0)
ax.set_ylabel(f"RMSE, horizon 1: {axis_label(primary.target, units[DATASET])}")
ax.set_xlabel("season (test span)")
ax.legend(fontsize="x-small", ncol=4)
plt.show()
tp.format_table(by_season)

# %% [markdown]
# ### Fusion: what do the other variables add?
#
# The same LSTM with the target alone (plus the calendar) and with every variable, side by
# side at each horizon.

# %%
# NBVAL_IGNORE_OUTPUT
if "lstm_target_only" in set(tables[DATASET]["model"]):
    fusion = tables[DATASET][tables[DATASET]["model"].isin(["lstm", "lstm_target_only"])]
    fusion = fusion[["model", "horizon", "rmse", "mae", "crps", "coverage_95"]]
    print(tp.format_table(fusion.sort_values(["horizon", "model"])).to_string(index=False))
else:
    print(f"fusion skipped: {DATASET} has one variable, so the LSTM already reads the target alone")

# %% [markdown]
# ## 4. Rain at the next step? Classification from the same stream
#
# Where the data has precipitation, the same inputs feed a classification head: each
# architecture is trained to give the probability of rain at the next step (precipitation
# above `RAIN_THRESHOLD`). It is scored with the Brier score and the ROC AUC against
# climatology (a logistic regression of rain on the same Fourier terms, fitted on the data
# before the test span) and persistence (rain next step if it rains now), with a reliability
# diagram.

# %%
# NBVAL_IGNORE_OUTPUT
rain_column = RAIN_COLUMN
if rain_column == "auto":  # found by name among the other variables
    rain_column = find_column(primary.variables[1:], ("precip", "rain", "prcp"))
rain_table = None
if rain_column is None:
    print(f"rain classification skipped: {DATASET} has no precipitation column")
else:
    d, x = primary, primary.x()
    rain = (d.raw[rain_column] > RAIN_THRESHOLD).to_numpy(dtype=float)  # (T,) 1.0 = rain
    options = {"labels": rain, "weight_seed": SEED + 10, **WINDOWS, **ARCH, **FIT}
    classifiers, _ = fit_on_data(FORECASTER_KINDS, d, **options)  # P(rain at the next step)
    print(f"rain = {rain_column} > {RAIN_THRESHOLD} at the next step; classifiers trained")

# %%
# NBVAL_IGNORE_OUTPUT
if rain_column is not None:
    observed = ~d.missing[rain_column].to_numpy()  # never score a filled label
    entries = {**classifiers, "persistence": NaiveForecaster()}  # rain if it rains now
    rain_frame = ts.backtest(
        entries, rain, start=d.test_start, x=x, event_class=1, observed=observed, device="cpu"
    )
    climatology = event_climatology(d.index, rain, d.test_start)[d.test_start :]  # P(rain)
    rows = rain_frame[rain_frame["model"] == "persistence"].assign(model="climatology")
    rows = rows.assign(y_pred=climatology[observed[d.test_start :]])
    rain_frame = pd.concat([rain_frame, rows], ignore_index=True)
    scorers = {"rain share": "event_share", "brier": "brier", "auc": "auc"}
    rain_table = ts.score(rain_frame, scorers, by=["model"], known=te.FORECAST_SCORERS)
    rain_table = rain_table.sort_values("brier")
    print(tp.format_table(rain_table).to_string(index=False))
    shown = dict(tuple(rain_frame.groupby("model")))  # model -> its rows
    shown = {m: shown[m] for m in (rain_table["model"].iloc[0], "climatology")}
    reliability = {m: reliability_table(f["y_true"], f["y_pred"]) for m, f in shown.items()}
    ax = tp.plot_reliability(reliability)
    ax.set_title("reliability of next-step rain probabilities (test span)", fontsize="small")
    plt.show()

# %% [markdown]
# ## 5. Real-time replay: every part as a stream of one runner
#
# A live system holds one model and many streams. Here one GRU (target plus calendar
# columns; a cycle a part does not support is a zero column) is trained on the training spans
# of all parts, each in its own scaled units, and a single `StepwiseRunner` serves them
# together: each stream is warmed up on its pre-test history in one fused forward
# (`runner.observe`), then every test observation is observed as it arrives, updating the
# stream's state and yielding the next forecast and interval. Latency is the wall time of one
# tick (one batched step of all live streams), against a `LATENCY_BUDGET_MS` deadline.

# %%
# NBVAL_IGNORE_OUTPUT
calendar = sorted({column for d in data.values() for column in d.calendar})
strides = {name: window_stride(d.n_train, WINDOW, MAX_TRAIN_WINDOWS) for name, d in data.items()}
stream_x = {  # (T, 1 + calendar) per part: the scaled target, then the calendar (0: unsupported)
    name: d.inputs.reindex(columns=[d.target, *calendar], fill_value=0.0).to_numpy(np.float32)
    for name, d in data.items()
}
parts = [  # ((x, y), (x_val, y_val)) per part
    make_windows(x, WINDOW, stride=strides[name], split=(d.n_train, d.test_start), burn_in=BURN_IN)
    for (name, d), x in zip(data.items(), stream_x.values())
]
windows = tuple(tuple(map(torch.cat, zip(*split))) for split in zip(*parts))  # train, val
options = {"feedback_inputs": (0,), "weight_seed": SEED + 20, **ARCH, **FIT}
fitted, history = fit_forecasters(["gru"], windows, 1 + len(calendar), 1, **options)
replay_model = fitted["gru"]
print(f"replay GRU: inputs {['target', *calendar]}, {history['epochs'][0]} epochs")

# %%
# NBVAL_IGNORE_OUTPUT
runner = ts.StepwiseRunner(replay_model, device=REPLAY_DEVICE)
live, summary = ts.replay(
    runner,
    {name: stream_x[name][d.test_start :] for name, d in data.items()},
    warmup={name: stream_x[name][: d.test_start] for name, d in data.items()},
    target_transform={name: d.pipeline for name, d in data.items()},  # each in its own units
    latency_budget_ms=LATENCY_BUDGET_MS,
    interval=0.95,  # the next forecast of each stream, with its 95 % interval
)
stats = runner.stats()
print(tp.format_table(replay_against_persistence(live, data)).to_string(index=False))
print(
    f"ticks {summary['ticks']} | latency p50 {summary['p50_us']:.0f} us, p99 {summary['p99_us']:.0f} us"
    f" | {summary['deadline_misses']} of {summary['ticks']} ticks over {LATENCY_BUDGET_MS} ms"
    f" | state {stats['state_bytes'] // max(stats['streams'], 1)} bytes per stream"
    f" | device {runner.device}, {torch.get_num_threads()} torch thread(s)"
)
for name, (point, low, high) in summary["next_forecasts"].items():
    after = data[name].index[-1]
    print(f"{name}: next forecast after {after}: {point:.1f} (95 %: {low:.1f} .. {high:.1f})")
latency = live.drop_duplicates("t")["latency_us"]
ax = tp.plot_latency_histogram(latency, budget_us=1e3 * LATENCY_BUDGET_MS)
plt.show()

# %% [markdown]
# ## 6. Recorded metrics and the goal
#
# Keys `<metric>_h<horizon>_<model>` in data units of the first part's target, for the deep
# models and the baselines persistence, climatology and SARIMAX; `rain_brier_<model>` where
# the data has precipitation.

# %%
# NBVAL_IGNORE_OUTPUT
table = tables[DATASET].set_index(["model", "horizon"])
longest = max(horizons[DATASET])
keys = {"rmse_h1": ("rmse", 1), "mae_h1": ("mae", 1), f"rmse_h{longest}": ("rmse", longest)}
keys |= {"coverage95_h1": ("coverage_95", 1), "crps_h1": ("crps", 1)}
models_recorded = ["lstm", "gru", "transformer", "persistence", "climatology", "sarimax"]
metrics = table_metrics(table, keys, models_recorded)
only = "lstm_target_only" if ("lstm_target_only", 1) in table.index else "lstm"
metrics["rmse_h1_lstm_target_only"] = table.loc[(only, 1), "rmse"]
if rain_table is not None:
    metrics |= {f"rain_brier_{m}": b for m, b in zip(rain_table["model"], rain_table["brier"])}
recorded = record(dataset=DATASET, n_test=int(table.loc[("persistence", 1), "n"]), **metrics)
h1 = table.xs(1, level="horizon")  # the headline: horizon-1 RMSE (lower is better)
top, base_best = best[DATASET]  # the best deep model and the best baseline at horizon 1
_ = record_headline("rmse_h1", top, h1.rmse[top], base_best, h1.rmse[base_best])

# %%
# NBVAL_IGNORE_OUTPUT
rmse, coverage, sarimax = h1.loc[top, "rmse"], h1.loc[top, "coverage_95"], h1.loc["sarimax", "rmse"]
ratio = rmse / h1.loc["persistence", "rmse"]
checks = {
    f"{top} RMSE <= 0.9 x persistence (RMSE {top} / persistence: {ratio:.3f})": ratio <= 0.9,
    f"{top} RMSE <= SARIMAX ({rmse:.3f} vs {sarimax:.3f})": rmse <= sarimax,
    f"{top} 95 % coverage in [0.93, 0.97] ({coverage:.3f})": 0.93 <= coverage <= 0.97,
}
for goal, met in checks.items():
    print(f"{'met' if met else 'NOT met'}: {goal}")
if rain_table is not None:
    best_auc = rain_table.set_index("model")["auc"].idxmax()
    print(f"rain: lowest Brier {rain_table['model'].iloc[0]}, highest AUC {best_auc}")
winners = {"lowest": ["rmse", "mae", "crps"], "closest": {"coverage_95": 0.95}}
pd.concat([te.metric_winners(t, **winners).assign(part=p) for p, t in tables.items()])

# %% [markdown]
# ## 7. Conclusions
#
# The numbers below are those of the committed run on the default data; the code cell above
# recomputes the winners for any data.
#
# **Daily Seattle maximum temperature (the recorded part).**
#
# * *Horizon 1.* The GRU has the lowest RMSE (2.77 °C), MAE (2.20 °C) and CRPS (1.54); the
#   transformer and the LSTM follow (2.80 and 2.81 °C). The best baselines are close behind:
#   SARIMAX with annual Fourier terms (2.83 °C) and climatology plus the decayed last anomaly
#   (2.83 °C). The gap is 2 % and not significant (Diebold–Mariano p = 0.23): a day ahead,
#   what the weather does next is mostly "the seasonal mean plus part of today's anomaly",
#   and a linear model captures that as well as a recurrent one does on three years of
#   data. Persistence (3.09 °C) and ETS (3.07 °C) are clearly worse: they ignore the
#   seasonal cycle and keep the whole anomaly. Seasonal naive (the same day last year, 4.98
#   °C) is the worst. Every model's 95 % interval covers 92.7-95.8 % of test days; the
#   transformer's (94.8 %) is closest to nominal.
# * *Horizon 7.* The fused GRU and LSTM have the lowest RMSE (3.68 and 3.69 °C against 3.84
#   for climatology and 3.87 for SARIMAX; p = 0.12) and the LSTM the lowest CRPS (2.10
#   against 2.16), but their 95 % intervals cover only 81-82 %. The reason is the roll-out:
#   a multi-step forecast feeds the predicted mean back, so the interval at day 7 is the
#   model's one-step spread, with none of the uncertainty accumulated on the way. The
#   state-space baselines propagate their variance and cover 90 % (climatology, SARIMAX)
#   or more. So the deep models win on point accuracy and the baselines on calibration at
#   seven days; sampled roll-outs or a direct multi-horizon head would be the fix.
# * *Seasons.* The deep models gain most in winter (DJF: 1.94-2.00 °C against 2.16-2.22 °C
#   for climatology and SARIMAX) and a little in spring and autumn; in summer (JJA) SARIMAX
#   and climatology are better (3.12-3.14 °C against 3.17-3.25 °C).
# * *Fusion.* Precipitation, minimum temperature and wind help a little: the same LSTM goes
#   from 2.87 to 2.81 °C at one day and from 3.75 to 3.69 °C at seven.
# * *Rain at the next day.* The GRU classifier, fed the same stream, has the best Brier score
#   (0.171) and AUC (0.80); climatology by day of year reaches 0.190 and 0.77, persistence
#   0.277 and 0.70.
#
# **Hourly 2010 record (second part).** The seasonal naive forecast (the same hour the day
# before) wins every metric at both horizons (RMSE 0.22 °F). This record changes very little
# from one day to the next (the mean absolute 24-hour change is 0.16 °F, the 1-hour change
# 0.94 °F): it behaves like smoothed climate normals rather than raw observations. The deep
# models, trained on 64-hour windows that start from an empty state, do not learn an exact
# 24-hour copy (the best, the transformer, has 0.46 °F at one hour), and SARIMAX with three
# daily harmonics does not capture the shape of the daily cycle either (0.34 °F). This part
# shows the machinery on an hourly grid (hour-of-day features, a 24-step horizon, a second
# stream in the runner) more than it measures forecasting skill.
#
# **Replay.** One GRU (target plus calendar columns, trained on both parts) serves the daily
# and the hourly stream in one `StepwiseRunner`, warm-started from each stream's history in
# one fused forward. It predicts a little better than persistence on both streams (MAE 2.34
# against 2.35 °C daily, 0.43 against 0.50 °F hourly) with 128 bytes of state per stream. In
# the committed run a tick took 59 µs at the median and 0.42 ms at the 99th percentile, on one
# torch thread; the 1 % of ticks over the 1 ms budget came from a CPU shared with other jobs.
#
# **Limits.** One split and one seed; three years of daily data, so the differences between
# the best models are within noise; multi-step deep intervals are under-dispersed (see
# above). With `DATA_PATH` pointing at a longer station record (Jena: eight years, hourly
# after averaging) the same code has far more data to learn from.

# %%
# NBVAL_IGNORE_OUTPUT
print(f"notebook wall time: {time.perf_counter() - NOTEBOOK_STARTED:.1f} s")
