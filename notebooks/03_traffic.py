# %% [markdown]
# # Road traffic: many sensors in one runner, covariate fusion, gaps and incidents
#
# **Question.** Can one stepwise model serve every road sensor at once, forecasting volume 1 to
# 24 hours ahead better than seasonal naive and SARIMAX? What do weather, holiday and calendar
# covariates add, and how does the model behave around incidents and across data gaps?
#

# %% [markdown] tags=["answer"]
# **Answer (default run: `traffic_sim`, 6 sensors over 12 weeks with incidents, missing
# readings and multi-day outages; tested on the last 17 days, 2,148 scored sensor-hours at
# 1 hour).** Yes for serving, partly for accuracy. One GRU steps all six sensors in one runner
# with 256 bytes of state per sensor, while sensors attach, reset after an outage and detach
# mid-stream, and its stepwise outputs equal the batch forward. It beats seasonal naive by far
# (1-hour MAE 33.0 vehicles/hour against 75.0 for last week's value) and beats SARIMAX at
# 3 hours (43.3 against 49.1, Diebold–Mariano p = 0.03) and at 6 hours (47.5 against 51.2,
# p = 0.17, not significant), but only ties it at 1 hour (33.0 against 32.6, p = 0.63) and
# loses at 24 hours (54.8 against 52.8, p = 0.45). Covariates matter most far ahead: with
# calendar, holiday and weather inputs the GRU's error is 4 % lower at 1 hour and 15 % lower at
# 24 hours. Incidents more than double every model's error; none anticipates them. So the
# issue's goal for real data (1-hour MAE at most 0.5 × seasonal naive and 0.9 × SARIMAX, and
# beating SARIMAX at every horizon) is **not met** here: 0.44 × seasonal naive, but 1.01 ×
# SARIMAX. The Metro Interstate file could not be used in this run; the notebook runs on it
# unchanged (`DATASET="metro_traffic"`, `DATA_PATH=` the UCI file) and prints the verdict
# there.

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

import tslib
from tslib.baselines import GapSarimaxForecaster
from tslib.baselines.hour_of_week import select_hour_of_week
from tslib.datasets import load
from tslib.encoders import make_forecaster
from tslib.evaluate import summarize
from tslib.evaluate.segments import (
    horizon_frame,
    scored_points,
    seasonal_naive_origins,
    segment_outputs,
)
from tslib.evaluate.sensor_replay import replay_sensors
from tslib.metrics import diebold_mariano
from tslib import parameters as param
from tslib.plots import format_table, plot_latency_histogram, use_style
from tslib.preprocess import CalendarFeatures, ForwardFill, Pipeline, StandardScaler, TrainValueFill
from tslib.preprocess.covariate_quirks import constant_spans, holiday_flag
from tslib.preprocess.gaps import gap_runs, plan_gaps
from tslib.preprocess.horizon_features import known_ahead, stream_inputs
from tslib.preprocess.regular import regularize
from tslib.reports import record, record_headline
from tslib.runner import StepwiseRunner, resolve_device
from tslib.training import fit
from tslib.training.multi_horizon import horizon_targets, masked_mse, segment_windows

NOTEBOOK_STARTED = time.perf_counter()
CPU_STARTED = time.process_time()
use_style()
print(f"tslib {tslib.__version__} | torch {torch.__version__} | python {platform.python_version()}")
print(f"threads: {torch.get_num_threads()} | cuda: {torch.cuda.is_available()}")

# %% tags=["parameters"]
SEED = 0  # seeds torch and numpy: the same seed gives the same numbers on a CPU
QUICK = False  # smoke-test sizes: few epochs, small models, a short replay
DEVICE = "auto"  # device of the replay runner (training and evaluation: CPU, deterministic)
DATASET = "traffic_sim"  # "traffic_sim" (simulated, ground truth) or "metro_traffic" (UCI)
DATA_PATH = None  # for metro_traffic: the UCI CSV, .csv.gz or zip (None: the download cache)
TARGETS = None  # sensor columns to forecast; None: LoadedDataset.info.targets
HORIZONS = [1, 3, 6, 24]  # forecast horizons in hours
GAP_RESET_HOURS = 24  # a gap longer than this resets the stream's state; shorter gaps are imputed
TEST_FRACTION = 0.2  # last share of the time span that is the test span
VAL_FRACTION = 0.15  # share of the span before the test, right before it, for early stopping
SARIMAX_TRAIN_HOURS = 8 * 7 * 24  # SARIMAX fits on this recent window before the test (8 weeks)
WARMUP_HOURS = 168  # an origin is scored once its stream has stepped this long since (re)starting
SIM_SENSORS = 6  # traffic_sim only: number of sensors
SIM_DAYS = 84  # traffic_sim only: length in days
SIM_INCIDENTS = 40  # traffic_sim only: incidents (sudden drops that recover in hours)
SIM_OUTAGES = 6  # traffic_sim only: multi-day sensor outages (long gaps)
HIDDEN = 64  # hidden units of the LSTM and the GRU
D_MODEL = 32  # width of the causal transformer (2 layers, 4 heads)
CONTEXT_HOURS = 24  # attention window of the transformer (longer memory: the lag inputs)
WINDOW_HOURS = 168  # length of one training window (inside one segment, never across a long gap)
STRIDE_HOURS = 56  # hours between window starts (more on long files, see MAX_TRAIN_WINDOWS)
BURN_IN_HOURS = 24  # leading hours of each window left out of the loss (the state warms up)
MAX_TRAIN_WINDOWS = 1000  # windows per epoch at most (the stride grows on longer files)
EPOCHS = 40  # maximum epochs (early stopping on the validation span)
PATIENCE = 6  # epochs without validation improvement before stopping
LR = 3e-3  # AdamW learning rate
LATENCY_BUDGET_MS = 10.0  # deadline of one replay tick (every sensor stepped once)

# %%
_ = param.check_parameters(
    globals(),
    SEED=param.integer(0),
    QUICK=param.boolean(),
    DEVICE=param.device(),
    DATASET=param.choice("traffic_sim", "metro_traffic"),
    DATA_PATH=param.optional(param.path()),
    TARGETS=param.optional(param.sequence_of(param.text(), unique=True)),
    HORIZONS=param.sequence_of(param.integer(1), unique=True),
    GAP_RESET_HOURS=param.integer(1),
    TEST_FRACTION=param.real(0, 1, low_open=True, high_open=True),
    VAL_FRACTION=param.real(0, 1, low_open=True, high_open=True),
    SARIMAX_TRAIN_HOURS=param.integer(168),  # at least one weekly season
    WARMUP_HOURS=param.integer(0),
    SIM_SENSORS=param.integer(1),
    SIM_DAYS=param.integer(21),  # three weeks: training, validation and test spans
    SIM_INCIDENTS=param.integer(0),
    SIM_OUTAGES=param.integer(0),
    HIDDEN=param.integer(1),
    D_MODEL=param.integer(4, multiple_of=4),  # split over 4 attention heads
    CONTEXT_HOURS=param.integer(1),
    WINDOW_HOURS=param.integer(2),
    STRIDE_HOURS=param.integer(1),
    BURN_IN_HOURS=param.integer(0),
    MAX_TRAIN_WINDOWS=param.integer(1),
    EPOCHS=param.integer(1),
    PATIENCE=param.integer(1),
    LR=param.real(0, None, low_open=True),
    LATENCY_BUDGET_MS=param.real(0, None, low_open=True),
)

# %%
torch.manual_seed(SEED)
rng = np.random.default_rng(SEED)
torch.use_deterministic_algorithms(True)
# these small models gain nothing from a second thread, and timings stay stable
torch.set_num_threads(1)
if QUICK:
    EPOCHS, PATIENCE, HIDDEN, D_MODEL = min(EPOCHS, 3), 2, min(HIDDEN, 16), min(D_MODEL, 16)
    SIM_SENSORS, SIM_DAYS, MAX_TRAIN_WINDOWS = min(SIM_SENSORS, 3), min(SIM_DAYS, 42), 48
REPLAY_HOURS = 240 if QUICK else None  # test hours replayed live (None: the whole test span)
RUNNER_DEVICE = resolve_device(DEVICE)
DEEP = ["lstm", "gru", "transformer"]
BASELINES = ["snaive24", "snaive168", "sarimax"]

# %% [markdown]
# ## 1. Data
#
# `load(DATASET, path=DATA_PATH)` returns the frame and its card. On a regular hourly grid
# (`tslib.preprocess.regular.regularize`) a missing reading is a NaN row; nothing is
# interpolated. Every sensor (target column) is one stream.

# %%
sim_options = {}
if DATASET == "traffic_sim":
    sim_options = dict(
        n_sensors=SIM_SENSORS,
        days=SIM_DAYS,
        n_incidents=SIM_INCIDENTS,
        n_outages=SIM_OUTAGES,
        seed=SEED,
    )
data = load(DATASET, path=DATA_PATH, **sim_options)
SENSORS = list(TARGETS or data.info.targets)
VOLUME_UNIT = data.info.units.get(SENSORS[0], "vehicles/hour")  # axis labels
grid = regularize(data.frame)
frame, STEP = grid.frame, grid.step
PER_HOUR = pd.Timedelta("1h") / STEP


def steps(hours: float) -> int:
    """Hours as a number of grid steps (at least one)."""
    return max(1, int(round(hours * PER_HOUR)))


H = [steps(h) for h in HORIZONS]
T = len(frame)
TEST_START = int(round(T * (1 - TEST_FRACTION)))
VAL_START = int(round(TEST_START * (1 - VAL_FRACTION)))

# %%
# NBVAL_CHECK_OUTPUT
info = data.info
print(f"dataset: {info.name} ({info.kind}) | {info.description}")
print(f"source: {info.source} | licence: {info.licence}")
print(f"citation: {info.citation}")
print(
    f"size: {len(data.frame)} rows x {data.frame.shape[1]} columns | span {frame.index[0]} .. {frame.index[-1]}"
)
print(
    f"frequency: {STEP} (inferred from the index) | sensors: {len(SENSORS)} ({', '.join(SENSORS[:6])}{' ...' if len(SENSORS) > 6 else ''})"
)
print(
    f"grid: {T} rows; train {VAL_START}, validation {TEST_START - VAL_START}, test {T - TEST_START} rows (from {frame.index[TEST_START]})"
)
print("repairs:")
for line in [*data.repairs, *grid.messages] or ["none"]:
    print("  -", line)

# %% [markdown]
# ### Covariates and their quirks
#
# Covariates are the calendar (hour of day and day of week as sin/cos), a holiday flag and the
# numeric weather columns. Real files are quirky, so the notebook checks two things and says
# what it did:
#
# * a holiday **named only on its midnight hour** (every other hour of the day says "None", as
#   in the UCI Metro file) is spread to the whole calendar day; holidays are known in advance,
#   so this is no look-ahead;
# * a numeric covariate that **stays constant for a whole year** or longer (a weather field
#   that was not recorded then) is dropped: its effect cannot be learnt from the years it is
#   flat, and a model would misread the flat years. A covariate constant over the training span
#   is dropped too. Text columns (weather descriptions) are not used.

# %%
# NBVAL_CHECK_OUTPUT
holiday_column = next(
    (c for c in frame.columns if c.lower() == "holiday" and c not in SENSORS), None
)
numeric = [
    c
    for c in frame.columns
    if c not in SENSORS and c != holiday_column and pd.api.types.is_numeric_dtype(frame[c])
]
text = [c for c in frame.columns if c not in SENSORS and c != holiday_column and c not in numeric]
spans = constant_spans(frame, numeric, min_span="365D")
flat_in_train = [c for c in numeric if not frame[c].iloc[:VAL_START].std() > 0]
WEATHER = [c for c in numeric if c not in set(spans["column"]) and c not in flat_in_train]
notes = []
for row in spans.itertuples():
    notes.append(
        f"{row.column} is {row.value:g} from {row.start.date()} to {row.end.date()} ({row.days:.0f} days): dropped"
    )
notes += [
    f"{c} is constant over the training span: dropped"
    for c in flat_in_train
    if c not in set(spans["column"])
]
if text:
    notes.append(f"text columns not used: {', '.join(text)}")
known = (
    CalendarFeatures(features=("hour", "dayofweek"), time_since_start=False)
    .fit(frame[[]].iloc[:VAL_START])
    .transform(frame[[]])
)
if holiday_column is None:
    notes.append("no holiday column: the covariates have no holiday flag")
else:
    flag, note = holiday_flag(frame[holiday_column])
    known["holiday"] = flag.to_numpy()
    notes.append(note)
if WEATHER:
    # causal: glitches and gaps take the last reading; before the first one, the train mean
    weather_pipe = Pipeline(
        [
            ("carry", ForwardFill(columns=WEATHER)),
            ("start", TrainValueFill("mean", columns=WEATHER)),
            ("scale", StandardScaler(columns=WEATHER)),
        ]
    ).fit(frame[WEATHER].iloc[:VAL_START])  # training span only
    known[WEATHER] = weather_pipe.transform(frame[WEATHER])[WEATHER].to_numpy()
else:
    notes.append("no numeric weather column: the covariates are calendar and holiday only")
COVARIATES = list(known.columns)
print("weather covariates:", WEATHER)
print("covariates:", COVARIATES)
for line in notes:
    print("  -", line)

# %% [markdown]
# ### Gaps
#
# A gap of at most `GAP_RESET_HOURS` is imputed causally (the last reading is carried forward)
# and flagged by an input mask column, so the model knows the value is not real. Once a gap
# lasts longer, the sensor is treated as offline: the model stops stepping it, and when readings
# come back its state is reset (`runner.reset`). A long gap is never bridged by interpolation.
# The decision at each hour uses only the past (`tslib.preprocess.gaps.plan_gaps`). Imputed
# targets are never scored.

# %%
# NBVAL_CHECK_OUTPUT
MAX_GAP = steps(GAP_RESET_HOURS)
plans = {s: plan_gaps(frame[s].notna().to_numpy(), MAX_GAP) for s in SENSORS}
runs = {s: gap_runs(plans[s].observed, frame.index) for s in SENSORS}
table = pd.DataFrame({s: plans[s].summary() for s in SENSORS}).T
table["gaps"] = [len(runs[s]) for s in SENSORS]
table["longest gap, h"] = [
    float(runs[s]["rows"].max() / PER_HOUR) if len(runs[s]) else 0.0 for s in SENSORS
]
print(table.to_string())

# %% [markdown]
# ## 2. Exploration
#
# A week of volume, the hour-of-day by weekday profile, volume against temperature and rain,
# and a map of the gaps (grey: observed, orange: imputed, red: offline).

# %%
first = SENSORS[0]
fig, axes = plt.subplots(1, 2, figsize=(13, 3.8), gridspec_kw={"width_ratios": [3, 2]})
week = frame.iloc[TEST_START - steps(168) : TEST_START]
for s in SENSORS[:3]:
    axes[0].plot(week.index, week[s], linewidth=0.9, label=s)
axes[0].set_title("the week before the test span")
axes[0].tick_params(axis="x", rotation=30)
axes[0].set_xlabel("time")
axes[0].set_ylabel(f"volume ({VOLUME_UNIT})")
axes[0].legend(fontsize=8)
profile = frame[first].groupby([frame.index.day_of_week, frame.index.hour]).mean().unstack()
image = axes[1].imshow(profile.to_numpy(), aspect="auto", cmap="viridis")
axes[1].set_yticks(range(7), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
axes[1].set_xlabel("hour of day")
axes[1].set_ylabel("weekday")
axes[1].set_title(f"{first}: mean volume by weekday and hour")
axes[1].grid(False)
fig.colorbar(image, ax=axes[1], label=f"mean volume ({VOLUME_UNIT})")
fig.tight_layout()
plt.show()

# %%
temperature = next((c for c in WEATHER if "temp" in c.lower()), None)
rain = next((c for c in WEATHER if "rain" in c.lower()), None)
if temperature is None and rain is None:
    print("no temperature or rain column: the weather plot is skipped")
else:
    daytime = frame.index.hour.isin(range(7, 19)) & (frame.index.day_of_week < 5)
    volume = frame.loc[daytime, SENSORS].mean(axis=1)  # mean over sensors, weekday daytime
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.5))
    if temperature is not None:
        values = frame.loc[daytime, temperature]
        bins = pd.qcut(values, 10, duplicates="drop")
        axes[0].plot(
            values.groupby(bins, observed=True).median(),
            volume.groupby(bins, observed=True).mean(),
            "o-",
        )
        axes[0].set_xlabel(f"{temperature} ({info.units.get(temperature, '')}), decile medians")
        axes[0].set_ylabel(f"mean volume, weekdays 07-18 h ({VOLUME_UNIT})")
        axes[0].set_title("volume against temperature")
    if rain is not None:
        values = frame.loc[daytime, rain]
        wet = values[values > 0]
        edges = (
            [-np.inf, 0.0, *wet.quantile([1 / 3, 2 / 3]).tolist(), np.inf]
            if len(wet) >= 3
            else [-np.inf, 0.0, np.inf]
        )
        bins = pd.cut(values, sorted(set(edges)))
        means = volume.groupby(bins, observed=True).mean()
        labels = [
            "dry"
            if interval.right == 0
            else f"up to {interval.right:.2g}"
            if np.isfinite(interval.right)
            else f"over {interval.left:.2g}"
            for interval in means.index
        ]
        axes[1].bar(labels, means.to_numpy(), color="C3")
        axes[1].set_ylim(means.min() * 0.9, means.max() * 1.05)
        axes[1].set_xlabel(f"{rain} ({info.units.get(rain, '')}) in the hour")
        axes[1].set_ylabel(f"mean volume, weekdays 07-18 h ({VOLUME_UNIT})")
        axes[1].set_title("volume against rain")
    fig.tight_layout()
    plt.show()

# %%
state = np.stack(
    [np.where(plans[s].observed, 0, np.where(plans[s].imputed, 1, 2)) for s in SENSORS]
)
fig, ax = plt.subplots(figsize=(13, 0.5 + 0.4 * len(SENSORS)))
cmap = plt.matplotlib.colors.ListedColormap(["0.85", "orange", "red"])
ax.imshow(state, aspect="auto", cmap=cmap, vmin=0, vmax=2, interpolation="nearest")
ax.set_yticks(range(len(SENSORS)), SENSORS)
ticks = np.linspace(0, T - 1, 6).astype(int)
ax.set_xticks(ticks, [str(frame.index[t].date()) for t in ticks])
ax.axvline(TEST_START, color="k", linewidth=1, label="test start")
ax.grid(False)
ax.set_title("gap map")
ax.set_xlabel("date")
ax.set_ylabel("sensor")
kinds = {"observed": "0.85", "imputed (short gap)": "orange", "offline (long gap)": "red"}
handles = [plt.matplotlib.patches.Patch(color=color, label=kind) for kind, color in kinds.items()]
ax.legend(
    handles=[*handles, *ax.get_legend_handles_labels()[0]],
    loc="upper left",
    bbox_to_anchor=(1.0, 1.0),
    fontsize="small",
)
plt.show()

# %% [markdown]
# ## 3. Causal preprocessing
#
# Volume is modelled as `log1p(volume)`, standardised per sensor with statistics of the
# training span only: traffic is multiplicative (a rainy rush hour loses a share of its volume,
# not a fixed number of cars), which the log makes additive. Forecasts are mapped back with
# `expm1`, which gives the conditional median, the right target for MAE.
#
# The models are **direct multi-horizon** forecasters: at each hour t a model outputs one value
# per horizon h, its forecast of volume at t + h, from
#
# * the last value (imputed on short gaps) and the mask column saying whether it was imputed;
# * for each target hour t + h: the seasonal lags 24 h and 168 h before it (the latest values
#   known at t) and the sensor's hour-of-week profile from the training span;
# * *with covariates* only: for each target hour t + h, the calendar (hour, weekday), the holiday
#   flag and the weather. Calendar and holidays are known in advance; using the **observed**
#   weather of the target hour assumes a perfect weather forecast. SARIMAX gets exactly the same
#   weather, so the comparison is fair, but both are optimistic about weather.
#
# The inputs at row t use nothing recorded after t except those known-in-advance covariates.

# %%
# NBVAL_CHECK_OUTPUT
log_volume = np.log1p(frame[SENSORS].clip(lower=0))
scaler = StandardScaler(columns=SENSORS).fit(log_volume.iloc[:VAL_START])  # training span only
scaled = scaler.transform(log_volume)
LAGS = [steps(24), steps(168)]
ahead = known_ahead(known, H)
inputs = {"covariates": {}, "no_covariates": {}}
for s in SENSORS:
    carried = scaled[s].ffill().fillna(0.0).to_numpy()  # causal; 0 (the mean) before a reading
    own = {}
    for lag in LAGS:
        table = np.nan_to_num(seasonal_naive_origins(carried, H, lag))
        own.update({f"lag{lag}@+{h}": table[:, j] for j, h in enumerate(H)})
    how = select_hour_of_week(
        scaled[s].to_numpy()[:VAL_START], frame.index[:VAL_START], candidates=("dummies",)
    )
    own_frame = pd.concat(
        [
            pd.DataFrame(own, index=frame.index),
            known_ahead(pd.DataFrame({"profile": how.profile(frame.index)}, index=frame.index), H),
        ],
        axis=1,
    )
    inputs["no_covariates"][s] = stream_inputs(scaled[s], plans[s], own_frame).to_numpy()
    inputs["covariates"][s] = stream_inputs(
        scaled[s], plans[s], pd.concat([own_frame, ahead], axis=1)
    ).to_numpy()
F_NO, F_COV = (
    inputs["no_covariates"][SENSORS[0]].shape[1],
    inputs["covariates"][SENSORS[0]].shape[1],
)
print(
    f"inputs per step: {F_NO} without covariates, {F_COV} with ({len(COVARIATES)} covariates x {len(H)} horizons)"
)
print(f"outputs per step: {len(H)} (horizons {HORIZONS} h)")

# %% [markdown]
# Training windows lie inside segments (runs of stepped hours between resets), so no
# window spans a long gap; each starts from a fresh state, and the first `BURN_IN_HOURS` are
# left out of the loss while the state warms up. Targets that were not observed (missing or
# imputed) get weight 0 in the loss (`masked_mse`), and so do targets past the end of the span
# a window belongs to: training windows never learn validation values, validation windows never
# see the test span.

# %%
# NBVAL_CHECK_OUTPUT
L, BURN = steps(WINDOW_HOURS), steps(BURN_IN_HOURS)
rows = np.arange(T)


def span_windows(kind: str, lo: int, hi: int, max_windows: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows of every sensor inside [lo, hi), targets limited to rows before hi."""
    stepped = sum(int(plans[s].step[lo:hi].sum()) for s in SENSORS)
    stride = max(steps(STRIDE_HOURS), int(np.ceil(stepped / max_windows)))
    xs, ys = [], []
    for s in SENSORS:
        target = horizon_targets(scaled[s].to_numpy(), plans[s].observed & (rows < hi), H)
        segments = [
            (max(a, lo), min(b, hi)) for a, b in plans[s].segments if min(b, hi) - max(a, lo) >= L
        ]
        if segments:
            x, y = segment_windows(inputs[kind][s], target, segments, L, stride)
            xs.append(x)
            ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


train_data = {k: span_windows(k, 0, VAL_START, MAX_TRAIN_WINDOWS) for k in inputs}
val_data = {k: span_windows(k, VAL_START, TEST_START, MAX_TRAIN_WINDOWS // 2) for k in inputs}
for k in inputs:
    print(
        f"{k}: train {tuple(train_data[k][0].shape)} -> {tuple(train_data[k][1].shape)}, validation {tuple(val_data[k][0].shape)}"
    )

# %% [markdown]
# ## 4. Deep models
#
# LSTM, GRU and a causal transformer (sliding attention window, KV cache for stepping), each
# with and without covariates: six models, trained with `tslib.training.fit` (AdamW, seeded,
# early stopping on the validation span that lies before the test span). One model serves
# every sensor: the sensors' windows are pooled, and per-sensor scaling makes them comparable.

# %%
models, histories = {}, {}
for variant in ("covariates", "no_covariates"):
    for k, kind in enumerate(DEEP):
        name = kind if variant == "covariates" else f"{kind}_no_covariates"
        model = make_forecaster(
            kind,
            train_data[variant][0].shape[2],
            len(H),
            hidden=HIDDEN,
            d_model=D_MODEL,
            n_heads=4,
            context=steps(CONTEXT_HOURS),
            head=None,
            seed=SEED + k,
        )
        started = time.perf_counter()
        history = fit(
            model,
            train_data[variant],
            val_data[variant],
            loss=masked_mse,
            burn_in=BURN,
            epochs=EPOCHS,
            batch_size=32,
            lr=LR,
            patience=PATIENCE,
            seed=SEED + k,
            device="cpu",
            progress=False,
        )
        models[name] = model
        histories[name] = {
            "epochs": len(history),
            "best epoch": history.attrs["best_epoch"],
            "val loss": history["val_loss"].min(),
            "seconds": time.perf_counter() - started,
        }

# %%
# NBVAL_IGNORE_OUTPUT
print(format_table(pd.DataFrame(histories).T).to_string())

# %% [markdown]
# ## 5. Baselines
#
# * **seasonal naive** at 24 h and 168 h: the value one day (one week) before the target hour,
#   the latest such value known at the origin (gaps carried forward causally);
# * **SARIMAX** per sensor on volume, fitted once on the `SARIMAX_TRAIN_HOURS` just before the test
#   span (maximum likelihood, up to 200 optimiser iterations) and then advanced with `extend`
#   (fixed parameters) over the test span. It is a
#   regression with SARIMA(2,0,0)(1,0,0)₂₄ errors: a daily seasonal AR term, and exogenous
#   inputs made of the hour-of-week effect, the holiday flag and the weather. The hour-of-week
#   effect is either 167 hour-of-week dummies or K weekly Fourier pairs, **chosen by AIC** of a
#   least-squares fit on the window; it enters SARIMAX as one column (the fitted profile), whose
#   coefficient is re-estimated with the covariates and the ARMA part by maximum likelihood.
#   Missing hours are NaN and the Kalman filter skips them, so SARIMAX needs no imputation.
#   Forecasts from every test origin come from the filtered states in one pass
#   (`GapSarimaxForecaster.forecast_origins`, equal to `get_forecast` at each origin).
#
# All models are scored on the same (sensor, origin, horizon) points: the origin is a stepped
# test hour at least `WARMUP_HOURS` after its stream (re)started, and the target was observed.

# %%
WARMUP = steps(WARMUP_HOURS)
SARIMAX_WINDOW = min(steps(SARIMAX_TRAIN_HOURS), TEST_START)
predictions, scored, sarimax_notes, aic_tables = {}, {}, {}, {}
exog_columns = [c for c in COVARIATES if c == "holiday" or c in WEATHER]
for s in SENSORS:
    y = frame[s].to_numpy(dtype=float)
    plan = plans[s]
    scored[s] = scored_points(plan, H, start=TEST_START, warmup=WARMUP)
    table = {}
    for name, model in models.items():
        raw = segment_outputs(
            model,
            inputs["no_covariates" if name.endswith("no_covariates") else "covariates"][s],
            plan,
        )
        table[name] = np.expm1(
            np.stack([scaler.inverse_column(raw[:, j], s) for j in range(len(H))], axis=1)
        )
    carried = pd.Series(y).ffill().to_numpy()
    table["snaive24"] = seasonal_naive_origins(carried, H, steps(24))
    table["snaive168"] = seasonal_naive_origins(carried, H, steps(168))
    lo = TEST_START - SARIMAX_WINDOW
    window = known[exog_columns].iloc[lo:TEST_START]
    usable = [c for c in exog_columns if window[c].std() > 0]
    how = select_hour_of_week(y[lo:TEST_START], frame.index[lo:TEST_START], window[usable])
    exog = np.column_stack([how.profile(frame.index), known[usable].to_numpy()])
    sarimax = GapSarimaxForecaster(
        order=(2, 0, 0), seasonal_order=(1, 0, 0, steps(24)), maxiter=20 if QUICK else 200
    )
    with warnings.catch_warnings():  # convergence is reported in the table below instead
        warnings.simplefilter("ignore", ConvergenceWarning)
        sarimax.fit(y[lo:TEST_START], exog[lo:TEST_START])
    converged = bool(sarimax.results.mle_retvals.get("converged", True))
    table["sarimax"] = np.full((T, len(H)), np.nan)
    table["sarimax"][TEST_START:] = sarimax.forecast_origins(y[TEST_START:], exog[TEST_START:], H)
    predictions[s] = table
    aic_tables[s] = how.table
    sarimax_notes[s] = {
        "hour-of-week terms": how.spec,
        "exog": ", ".join(["profile", *usable]),
        "AIC (OLS)": round(float(how.table["aic"].min()), 1),
        "fit rows": SARIMAX_WINDOW,
        "observed": int(np.isfinite(y[lo:TEST_START]).sum()),
        "MLE converged": converged,
    }
results = pd.concat(
    [
        horizon_frame(
            predictions[s], frame[s].to_numpy(dtype=float), scored[s], frame.index, H, stream=s
        )
        for s in SENSORS
    ],
    ignore_index=True,
)
results["horizon"] = results["horizon"].map(dict(zip(H, HORIZONS)))  # hours

# %%
# NBVAL_IGNORE_OUTPUT
print(pd.DataFrame(sarimax_notes).T.to_string())
print(f"{SENSORS[0]}: AIC of the candidate hour-of-week terms on the SARIMAX window")
print(format_table(aic_tables[SENSORS[0]]).to_string(index=False))

# %%
# NBVAL_CHECK_OUTPUT
n_points = results[results["model"] == "snaive168"].groupby("horizon").size()
N_TEST = int(n_points.get(HORIZONS[0], 0))
print("scored (sensor, origin) points per horizon:", n_points.to_dict())
print("models:", sorted(results["model"].unique()))

# %% [markdown]
# ## 6. Evaluation
#
# MAE and RMSE in vehicles per hour, and MASE: the MAE divided by the in-sample MAE of the
# 168-hour seasonal naive on the training span (per sensor, then averaged over the scored
# points), so MASE < 1 beats last week's value as fitted in-sample.

# %%
# NBVAL_IGNORE_OUTPUT
season = steps(168)
scale = {}
for s in SENSORS:
    y = frame[s].to_numpy(dtype=float)[:VAL_START]
    scale[s] = float(np.nanmean(np.abs(y[season:] - y[:-season])))
results["abs_error"] = (results["y_true"] - results["y_pred"]).abs()
results["scaled_error"] = results["abs_error"] / results["stream"].map(scale)
metrics = summarize(results, metrics=("mae", "rmse"))
metrics = metrics.merge(
    results.groupby(["model", "horizon"])["scaled_error"].mean().rename("mase").reset_index()
)
MAIN = DEEP + BASELINES
wide = metrics.pivot(index="model", columns="horizon", values=["mae", "rmse", "mase"])
print(format_table(wide.loc[MAIN]).to_string())

# %% [markdown]
# ### Is the difference real? Diebold–Mariano
#
# The best deep model (lowest 1-hour MAE, with or without covariates) against the best
# baseline, per horizon, on absolute errors. Errors of all sensors at one origin are averaged
# first, so the test sees one loss differential per origin hour (sensors share shocks); an
# h-step forecast's differentials are autocorrelated up to lag h − 1, which the test's variance
# accounts for (HLN correction, two-sided).

# %%
# NBVAL_IGNORE_OUTPUT
mae_h1 = metrics[metrics["horizon"] == HORIZONS[0]].set_index("model")["mae"]
BEST_DEEP = mae_h1[[m for m in mae_h1.index if m not in BASELINES]].idxmin()
BEST_BASE = mae_h1[BASELINES].idxmin()
rows_dm = []
for hours, step_count in zip(HORIZONS, H):
    at = results[results["horizon"] == hours]
    per_origin = at.groupby(["origin", "model"])["abs_error"].mean().unstack()
    test = diebold_mariano(
        per_origin[BEST_DEEP], per_origin[BEST_BASE], horizon=step_count, loss="absolute"
    )
    rows_dm.append(
        {
            "horizon": hours,
            f"MAE {BEST_DEEP}": at[at.model == BEST_DEEP].abs_error.mean(),
            f"MAE {BEST_BASE}": at[at.model == BEST_BASE].abs_error.mean(),
            "DM stat": test["stat"],
            "p-value": test["pvalue"],
            "origins": test["n"],
        }
    )
dm_table = pd.DataFrame(rows_dm)
print(f"best deep model: {BEST_DEEP} | best baseline: {BEST_BASE} (by 1-hour MAE)")
print(format_table(dm_table).to_string(index=False))

# %% [markdown]
# ### Fusion: what do the covariates add?
#
# Each deep model with and without the calendar, holiday and weather covariates (both see the
# same volume history, seasonal lags and hour-of-week profile).

# %%
# NBVAL_IGNORE_OUTPUT
fusion = {}
for kind in DEEP:
    for hours in HORIZONS:
        with_cov = metrics[(metrics.model == kind) & (metrics.horizon == hours)]["mae"].item()
        without = metrics[(metrics.model == f"{kind}_no_covariates") & (metrics.horizon == hours)][
            "mae"
        ].item()
        fusion[(kind, hours)] = {
            "MAE with": with_cov,
            "MAE without": without,
            "change %": 100 * (with_cov / without - 1),
        }
print(format_table(pd.DataFrame(fusion).T).to_string())

# %% [markdown]
# ### Errors by hour of day and around incidents
#
# The 1-hour-ahead MAE by the hour of day of the target. On the simulator, also the errors
# inside incident windows (the true incident effect still removes more than 5 % of the volume)
# and outside, and the errors against the **noise-free** signal, the simulator's volume without
# the AR(1) sensor noise (baseline profile × shared factor × incident effect): the part that
# is, in principle, forecastable.

# %%
at = results[results["horizon"] == HORIZONS[0]].copy()
at["hour"] = pd.DatetimeIndex(at["timestamp"]).hour
by_hour = at.pivot_table(index="hour", columns="model", values="abs_error", aggfunc="mean")
fig, ax = plt.subplots(figsize=(10, 3.5))
for name in dict.fromkeys([BEST_DEEP, "sarimax", "snaive168"]):
    ax.plot(by_hour.index, by_hour[name], marker="o", markersize=3, label=name)
ax.set_xlabel("hour of day of the target")
ax.set_ylabel(f"MAE ({VOLUME_UNIT})")
ax.set_title(f"{HORIZONS[0]}-hour-ahead MAE by hour of day")
ax.legend()
plt.show()

# %%
# NBVAL_IGNORE_OUTPUT
truth = data.truth or {}
if "incident_effect" not in truth:
    print("no ground truth in this dataset: the incident and noise-free comparisons are skipped")
else:

    def at_targets(table: pd.DataFrame) -> np.ndarray:
        # values of a (time x sensor) truth frame at each result row's target time and sensor
        return table.to_numpy()[
            table.index.get_indexer(results["timestamp"]),
            table.columns.get_indexer(results["stream"]),
        ]

    factor = np.exp(
        np.outer(
            truth["factor"].to_numpy(), truth["loadings"][truth["baseline"].columns].to_numpy()
        )
    )
    keyed = results.assign(
        effect=at_targets(truth["incident_effect"]),
        signal=at_targets(truth["baseline"] * factor * truth["incident_effect"]),
    )
    keyed["inside"] = keyed["effect"] < 0.95
    keyed["signal_error"] = (keyed["signal"] - keyed["y_pred"]).abs()
    shown = keyed[keyed["model"].isin(MAIN)]
    incidents = shown.pivot_table(
        index=["horizon", "model"], columns="inside", values="abs_error", aggfunc="mean"
    )
    incidents.columns = ["MAE outside incidents", "MAE inside incidents"]
    incidents["points inside"] = shown[shown.inside].groupby(["horizon", "model"]).size()
    print(format_table(incidents.loc[[HORIZONS[0], HORIZONS[-1]]]).to_string())
    noise_free = shown.pivot_table(
        index="model", columns="horizon", values="signal_error", aggfunc="mean"
    )
    floor = (
        shown.drop_duplicates(["timestamp", "stream", "horizon"])
        .assign(gap=lambda d: (d.signal - d.y_true).abs())
        .groupby("horizon")["gap"]
        .mean()
    )
    print("\nMAE against the noise-free signal (what a perfect model could reach is 0):")
    print(format_table(noise_free.loc[MAIN]).to_string())
    print(
        "\nMAE of the noise-free signal itself against the observations (the noise level):",
        floor.round(1).to_dict(),
    )

# %% [markdown]
# ### Forecasts over a test week
#
# One sensor, one test week: the observations, the best deep model and SARIMAX at 1 hour and
# 24 hours ahead (each point is the forecast made h hours before it).

# %%
sensor = SENSORS[0]
shown = results[(results.stream == sensor) & results.model.isin([BEST_DEEP, "sarimax"])]
start = pd.Timestamp(frame.index[TEST_START + WARMUP])
shown = shown[(shown.timestamp >= start) & (shown.timestamp < start + pd.Timedelta("7D"))]
fig, axes = plt.subplots(1, 2, figsize=(14, 3.8), sharey=True)
for ax, hours in zip(axes, (HORIZONS[0], HORIZONS[-1])):
    part = shown[shown.horizon == hours]
    truth_line = part.drop_duplicates("timestamp").sort_values("timestamp")
    ax.plot(truth_line.timestamp, truth_line.y_true, color="k", linewidth=1, label="observed")
    for name in (BEST_DEEP, "sarimax"):
        line = part[part.model == name].sort_values("timestamp")
        ax.plot(line.timestamp, line.y_pred, linewidth=1, label=name)
    ax.set_title(f"{sensor}: {hours} h ahead")
    ax.tick_params(axis="x", rotation=30)
    ax.set_xlabel("time of the target")
    ax.legend()
axes[0].set_ylabel(f"volume ({VOLUME_UNIT})")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 7. Real-time replay: every sensor in one runner
#
# The test span is replayed hour by hour through one `StepwiseRunner` holding every sensor as a
# stream (the best deep model with covariates). At each tick, the sensors with a reading (or
# a short gap to impute) are stepped together in one batched call: predict, then observe.
# On the simulator, two sensors attach a third of the way in (warm-started from their history
# through `runner.observe`, one fused forward) and one detaches two thirds of the way in.
# A sensor back from a long gap is reset. The replayed outputs must equal the segment-wise
# forward used in the evaluation.

# %%
# NBVAL_IGNORE_OUTPUT
replay_model = min(DEEP, key=lambda name: mae_h1[name])  # best with covariates
runner = StepwiseRunner(models[replay_model], device=RUNNER_DEVICE)
stop = T if REPLAY_HOURS is None else min(T, TEST_START + steps(REPLAY_HOURS))
span = stop - TEST_START
attach_at, detach_at = {}, {}
if len(SENSORS) >= 3:
    attach_at = {s: TEST_START + span // 3 for s in SENSORS[-2:]}
    detach_at = {SENSORS[0]: TEST_START + 2 * span // 3}
else:
    print("fewer than 3 sensors: no sensor attaches or detaches mid-way")
live = replay_sensors(
    runner,
    inputs["covariates"],
    plans,
    start=TEST_START,
    stop=stop,
    attach_at=attach_at,
    detach_at=detach_at,
    latency_budget_ms=LATENCY_BUDGET_MS,
)
summary = live.summary
print(
    f"model: {replay_model} on {runner.device} | ticks {summary['ticks']} | stream steps {summary['stream_steps']} | up to {summary['max_streams']} sensors per tick"
)
print(
    f"latency per tick: p50 {summary['p50_us']:.0f} us, p99 {summary['p99_us']:.0f} us, max {summary['max_us']:.0f} us; deadline misses at {LATENCY_BUDGET_MS} ms: {summary['deadline_misses']}"
)
print(
    f"events: {summary['attaches']} attach, {summary['resets']} reset, {summary['detaches']} detach | state per stream: {summary['state_bytes_per_stream']:.0f} bytes"
)
print(live.events.groupby("event")["stream"].apply(lambda s: sorted(set(s))).to_dict())
plot_latency_histogram(live.ticks["latency_us"].to_numpy(), budget_us=1e3 * LATENCY_BUDGET_MS)
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
worst = 0.0
for s in SENSORS:
    replayed = live.outputs[s]
    rows_done = np.isfinite(replayed[:, 0])
    forward = segment_outputs(models[replay_model], inputs["covariates"][s], plans[s])
    worst = max(worst, float(np.abs(replayed[rows_done] - forward[rows_done]).max(initial=0.0)))
print("stepwise == forward:", worst < 1e-4)
print("events:", live.events["event"].value_counts().sort_index().to_dict())


# %%
# NBVAL_IGNORE_OUTPUT
def metric(name: str, model: str, hours: int) -> float:
    return float(metrics[(metrics.model == model) & (metrics.horizon == hours)][name].item())


recorded = {"dataset": DATASET, "n_test": N_TEST}
if 1 in HORIZONS:
    for m in MAIN:
        recorded.update(
            {
                f"mae_h1_{m}": metric("mae", m, 1),
                f"rmse_h1_{m}": metric("rmse", m, 1),
                f"mase_h1_{m}": metric("mase", m, 1),
            }
        )
    recorded["mae_h1_lstm_no_covariates"] = metric("mae", "lstm_no_covariates", 1)
if 24 in HORIZONS:
    recorded.update({f"mae_h24_{m}": metric("mae", m, 24) for m in MAIN})
missing = sorted({1, 24} - set(HORIZONS))
if missing:
    print(f"HORIZONS lacks {missing}: the keys of those horizons are not recorded")
_ = record(**recorded)
_ = record_headline(  # best deep model against the best baseline, on the first horizon's MAE
    metric=f"mae_h{HORIZONS[0]}",
    deep_model=BEST_DEEP,
    deep_value=float(mae_h1[BEST_DEEP]),
    baseline=BEST_BASE,
    baseline_value=float(mae_h1[BEST_BASE]),
    lower_is_better=True,
)

# %%
# NBVAL_IGNORE_OUTPUT
print("winner per horizon and metric (all models):")
for hours in HORIZONS:
    part = metrics[metrics.horizon == hours].set_index("model")
    print(
        f"  {hours:>3} h: "
        + ", ".join(
            f"{m} {part[m].idxmin()} ({part[m].min():.3g})" for m in ("mae", "rmse", "mase")
        )
    )
if 1 in HORIZONS:
    best = metric("mae", BEST_DEEP, 1)
    ratio_naive, ratio_sarimax = (
        best / metric("mae", "snaive168", 1),
        best / metric("mae", "sarimax", 1),
    )
    beats = [
        hours
        for hours in HORIZONS
        if metric("mae", BEST_DEEP, hours) < metric("mae", "sarimax", hours)
    ]
    print(
        f"goal, {BEST_DEEP} 1-hour MAE / seasonal naive 168 h: {ratio_naive:.3f} (goal <= 0.5: {'met' if ratio_naive <= 0.5 else 'not met'})"
    )
    print(
        f"goal, {BEST_DEEP} 1-hour MAE / SARIMAX: {ratio_sarimax:.3f} (goal <= 0.9: {'met' if ratio_sarimax <= 0.9 else 'not met'})"
    )
    print(
        f"goal, beats SARIMAX at every horizon: {'met' if len(beats) == len(HORIZONS) else 'not met'} (beats it at {beats} h)"
    )
    if DATASET != "metro_traffic":
        print(
            "note: the goal is stated for real hourly sensor data (metro_traffic); this run is on",
            DATASET,
        )

# %% [markdown]
# ## 8. Conclusions
#
# Written for the default run (`traffic_sim`, seed 0); the two cells above print the winners
# and the goal for whatever data the notebook ran on.
#
# * **Winners.** SARIMAX wins at 1 hour (MAE 32.6, RMSE 51.5) and at 24 hours (MAE 52.8); the
#   GRU wins at 3 and 6 hours on every metric (43.3 and 47.5); the transformer has the lowest
#   RMSE at 24 hours (85.1). Only the 3-hour difference is significant (Diebold–Mariano
#   p = 0.03); at 1, 6 and 24 hours the best deep model and SARIMAX are statistically tied on
#   17 days of test data. Every model beats both seasonal naive forecasts by far (MASE 0.36 to
#   0.42 at 1 hour against 0.83 for last week's value).
# * **Why SARIMAX is so hard to beat here.** The simulator is close to SARIMAX's own
#   assumptions: a fixed weekly profile times a smooth autoregressive factor. At 1 hour the best
#   forecast is the profile plus the persistence of the last deviation, which is exactly a
#   regression on the hour-of-week profile (42 weekly Fourier pairs, chosen by AIC) with AR
#   errors; at 24 hours the deviation has decayed and the forecast is the profile, which least
#   squares estimates well from eight weeks of one sensor. The deep models win in between, where
#   the deviation must be scaled by the rush hour it falls in (traffic is multiplicative; SARIMAX
#   on volume is additive). At 1 hour the GRU (33.0) is ahead of the transformer (36.7) and the
#   LSTM (38.0).
# * **Fusion.** With covariates the GRU is 4 % better at 1 hour and 8 %, 12 % and 15 % better at
#   3, 6 and 24 hours; the LSTM is 6 % *worse* at 1 hour with them and 11 % better at 24 hours.
#   Far ahead, the holiday flag and rain of the target hour are what the volume history cannot
#   tell. The weather inputs are the *observed* weather of the target hour (a perfect forecast);
#   SARIMAX gets the same, so the comparison is fair, but both are optimistic.
# * **Incidents.** Inside incident windows (47 scored hours) every model's 1-hour error is 2.1 to
#   2.6 times its error elsewhere; the transformer is a little better there (74 against 79 to 82),
#   on too few points to matter. An incident's onset is unforecastable from the past; the recovery
#   is followed through the state, as an AR model follows it.
# * **Against the noise-free signal** (the simulator's volume without its AR(1) sensor noise) the
#   GRU's 1-hour MAE is 31.7, while the observations differ from that signal by only 12.4 on
#   average: most of the remaining error is the shared factor's new shocks and the learnt profile,
#   not sensor noise.
# * **Gaps.** Short gaps (up to 24 hours) were imputed causally with a mask input; four sensors
#   had multi-day outages, after which their streams were reset instead of bridged; one outage
#   falls in the test span, and the replay resets that sensor when it comes back. Imputed targets
#   and the first week after a reset are not scored.
# * **Serving.** One runner held every sensor; a tick (up to six sensors in one batched step)
#   took 24 µs at the median and 122 µs at the 99th percentile (0.5 ms at worst) on this
#   shared 2-core machine, with no miss of the 10 ms budget; 256 bytes of state per sensor.
# * **Limits.** One seed, 17 test days, 6 simulated sensors, a SARIMAX fitted once on the 8 weeks
#   before the test and never refitted. The Metro runs made for this notebook were on synthetic
#   files in the UCI format (every quirk of the real file, generated values): a smoke test in
#   the test suite, and a file of the real one's size (52,551 grid hours, 39,019 observed) on
#   which these defaults ran in under 3 minutes here. They test the code path and the run time,
#   not how well the models forecast real traffic.

# %%
# NBVAL_IGNORE_OUTPUT
print(
    f"notebook wall time: {time.perf_counter() - NOTEBOOK_STARTED:.1f} s | CPU time of this process: {time.process_time() - CPU_STARTED:.1f} s ({torch.get_num_threads()} threads)"
)
