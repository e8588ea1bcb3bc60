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
# loses at 24 hours (54.8 against 52.8, p = 0.46). Covariates matter most far ahead: with
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

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

import tslib as ts
from tslib import parameters as param
from tslib.baselines import GapSarimaxForecaster, SeasonalNaiveForecaster
from tslib.baselines.hour_of_week import select_hour_of_week
from tslib.baselines.hour_of_week_exog import hour_of_week_exog
from tslib.datasets.traffic_truth import against_truth
from tslib.evaluate import SEGMENT_SCORERS, Segments
from tslib.evaluate.pooled_dm import pooled_dm_table
from tslib.evaluate.sensor_replay import describe_replay
from tslib.plots import format_table, plot_latency_histogram, traffic, use_style
from tslib.preprocess import StandardScaler, regularize
from tslib.preprocess.gaps import gap_table, plan_gaps
from tslib.preprocess.horizon_features import direct_inputs
from tslib.preprocess.known_covariates import known_covariates
from tslib.reports import record, record_headline
from tslib.training import masked_mse
from tslib.training.stream_windows import span_windows

NOTEBOOK_STARTED = time.perf_counter()
CPU_STARTED = time.process_time()
use_style()
print(f"tslib {ts.__version__} | torch {torch.__version__} | python {platform.python_version()}")
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
RUNNER_DEVICE = ts.runner.resolve_device(DEVICE)
DEEP = ["lstm", "gru", "transformer"]
BASELINES = ["snaive24", "snaive168", "sarimax"]


# %% [markdown]
# ## 1. Data
#
# `load(DATASET, path=DATA_PATH)` returns the frame and its card. On a regular hourly grid
# (`tslib.preprocess.regular.regularize`) a missing reading is a NaN row; nothing is
# interpolated. Every sensor (target column) is one stream.

# %%
SIM = dict(n_sensors=SIM_SENSORS, days=SIM_DAYS, n_incidents=SIM_INCIDENTS, n_outages=SIM_OUTAGES)
sim_options = dict(SIM, seed=SEED) if DATASET == "traffic_sim" else {}
data = ts.load(DATASET, path=DATA_PATH, **sim_options)
SENSORS = list(TARGETS or data.info.targets)
VOLUME_UNIT = data.info.units.get(SENSORS[0], "vehicles/hour")  # axis labels
grid = regularize(data.frame)
frame, STEP = grid.frame, grid.step
PER_HOUR = pd.Timedelta("1h") / STEP
steps = lambda hours: max(1, int(round(hours * PER_HOUR)))  # hours as grid steps (at least one)
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
covariates = known_covariates(frame, SENSORS, train_stop=VAL_START)  # fitted on training rows
known, WEATHER = covariates.frame, covariates.weather
COVARIATES = list(known.columns)
print("weather covariates:", WEATHER)
print("covariates:", COVARIATES)
for line in covariates.notes:
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
print(gap_table(plans, frame.index, STEP).to_string())


# %% [markdown]
# ## 2. Exploration
#
# A week of volume, the hour-of-day by weekday profile, volume against temperature and rain,
# and a map of the gaps (grey: observed, orange: imputed, red: offline).

# %%
traffic.plot_week_and_profile(frame, SENSORS, TEST_START, steps(168), VOLUME_UNIT)
plt.show()


# %%
if traffic.plot_weather_response(frame, SENSORS, WEATHER, data.info.units, VOLUME_UNIT) is None:
    print("no temperature or rain column: the weather plot is skipped")
plt.show()


# %%
traffic.plot_gap_map(plans, frame.index, TEST_START)
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
inputs = {"covariates": {}, "no_covariates": {}}
for s in SENSORS:
    how = select_hour_of_week(
        scaled[s].to_numpy()[:VAL_START], frame.index[:VAL_START], candidates=("dummies",)
    )
    own = dict(horizons=H, lags=LAGS, profile=how.profile(frame.index))
    inputs["no_covariates"][s] = direct_inputs(scaled[s], plans[s], **own).to_numpy()
    inputs["covariates"][s] = direct_inputs(scaled[s], plans[s], **own, known=known).to_numpy()
F_NO, F_COV = (inputs[k][SENSORS[0]].shape[1] for k in ("no_covariates", "covariates"))
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
L, BURN, STRIDE = steps(WINDOW_HOURS), steps(BURN_IN_HOURS), steps(STRIDE_HOURS)
volume = {s: scaled[s].to_numpy() for s in SENSORS}  # targets in model units
cut = lambda k, lo, hi, n: span_windows(inputs[k], volume, plans, H, lo, hi, L, STRIDE, n)
train_data = {k: cut(k, 0, VAL_START, MAX_TRAIN_WINDOWS) for k in inputs}
val_data = {k: cut(k, VAL_START, TEST_START, MAX_TRAIN_WINDOWS // 2) for k in inputs}
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
ARCH = dict(hidden=HIDDEN, d_model=D_MODEL, n_heads=4, context=steps(CONTEXT_HOURS), head=None)
TRAIN = dict(loss=masked_mse, burn_in=BURN, epochs=EPOCHS, batch_size=32, lr=LR, patience=PATIENCE)
models, histories = {}, {}
for variant in ("covariates", "no_covariates"):
    train, val = train_data[variant], val_data[variant]
    for k, kind in enumerate(DEEP):
        name = kind if variant == "covariates" else f"{kind}_no_covariates"
        model = ts.make_forecaster(kind, train[0].shape[2], len(H), **ARCH, seed=SEED + k)
        history = ts.fit(model, train, val, **TRAIN, seed=SEED + k, device="cpu", progress=False)
        models[name], histories[name] = model, history


# %%
# NBVAL_IGNORE_OUTPUT
columns = ["epochs", "best epoch", "val loss", "seconds"]
rows = [
    (len(h), h.attrs["best_epoch"], h["val_loss"].min(), h["seconds"].sum())
    for h in histories.values()
]
print(format_table(pd.DataFrame(rows, index=list(histories), columns=columns)).to_string())


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
exog_columns = [c for c in COVARIATES if c == "holiday" or c in WEATHER]
regressors = {  # SARIMAX's exog: the AIC-selected hour-of-week profile and the covariates
    s: hour_of_week_exog(frame[s], known[exog_columns], TEST_START - SARIMAX_WINDOW, TEST_START)
    for s in SENSORS
}
to_volume = lambda raw, s: np.expm1(scaler.inverse_column(raw, s))  # outputs -> vehicles/hour
exog = {s: regressors[s].exog for s in SENSORS}
segments = Segments(frame[SENSORS], plans, inputs, to_data=to_volume, exog=exog)
baselines = {
    "snaive24": SeasonalNaiveForecaster(season=steps(24)),
    "snaive168": SeasonalNaiveForecaster(season=steps(168)),
    "sarimax": GapSarimaxForecaster((2, 0, 0), (1, 0, 0, steps(24)), maxiter=20 if QUICK else 200),
}
results = ts.backtest(
    {**models, **baselines},
    segments,
    horizons=H,
    start=TEST_START,
    warmup=WARMUP,
    fit_window=SARIMAX_WINDOW,
    inputs_of={f"{k}_no_covariates": "no_covariates" for k in DEEP},
    mase_season=steps(168),  # MASE scale: in-sample seasonal naive on the training span
    mase_stop=VAL_START,
)
results["horizon"] = results["horizon"].map(dict(zip(H, HORIZONS)))  # hours
fits = results.attrs["fits"]["sarimax"]
sarimax_notes = {s: {**regressors[s].notes(), **fits[s]} for s in SENSORS}


# %%
# NBVAL_IGNORE_OUTPUT
print(pd.DataFrame(sarimax_notes).T.to_string())
print(f"{SENSORS[0]}: AIC of the candidate hour-of-week terms on the SARIMAX window")
print(format_table(regressors[SENSORS[0]].fit.table).to_string(index=False))


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
metrics = ts.score(results, ["mae", "rmse", "mase"], by=["model", "horizon"], known=SEGMENT_SCORERS)
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
dm_table = pooled_dm_table(results, BEST_DEEP, BEST_BASE, lags=dict(zip(HORIZONS, H)))
print(f"best deep model: {BEST_DEEP} | best baseline: {BEST_BASE} (by 1-hour MAE)")
print(format_table(dm_table).to_string(index=False))


# %% [markdown]
# ### Fusion: what do the covariates add?
#
# Each deep model with and without the calendar, holiday and weather covariates (both see the
# same volume history, seasonal lags and hour-of-week profile).

# %%
# NBVAL_IGNORE_OUTPUT
mae = metrics.pivot(index="model", columns="horizon", values="mae")
with_cov = mae.loc[DEEP].stack()
without = mae.loc[[f"{k}_no_covariates" for k in DEEP]].set_axis(DEEP).stack()
fusion = pd.DataFrame({"MAE with": with_cov, "MAE without": without})
fusion["change %"] = 100 * (with_cov / without - 1)
print(format_table(fusion).to_string())


# %% [markdown]
# ### Errors by hour of day and around incidents
#
# The 1-hour-ahead MAE by the hour of day of the target. On the simulator, also the errors
# inside incident windows (the true incident effect still removes more than 5 % of the volume)
# and outside, and the errors against the **noise-free** signal, the simulator's volume without
# the AR(1) sensor noise (baseline profile × shared factor × incident effect): the part that
# is, in principle, forecastable.

# %%
traffic.plot_error_by_hour(results, [BEST_DEEP, "sarimax", "snaive168"], HORIZONS[0], VOLUME_UNIT)
plt.show()


# %%
# NBVAL_IGNORE_OUTPUT
if "incident_effect" not in (data.truth or {}):
    print("no ground truth in this dataset: the incident and noise-free comparisons are skipped")
else:
    found = against_truth(results, data.truth, MAIN)
    print(format_table(found["incidents"].loc[[HORIZONS[0], HORIZONS[-1]]]).to_string())
    print("\nMAE against the noise-free signal (what a perfect model could reach is 0):")
    print(format_table(found["noise_free"]).to_string())
    print(
        "\nMAE of the noise-free signal itself against the observations (the noise level):",
        found["noise_level"].round(1).to_dict(),
    )


# %% [markdown]
# ### Forecasts over a test week
#
# One sensor, one test week: the observations, the best deep model and SARIMAX at 1 hour and
# 24 hours ahead (each point is the forecast made h hours before it).

# %%
start = pd.Timestamp(frame.index[TEST_START + WARMUP])  # the first scored week
traffic.plot_forecast_week(
    results, SENSORS[0], [BEST_DEEP, "sarimax"], (HORIZONS[0], HORIZONS[-1]), start, VOLUME_UNIT
)
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
runner = ts.StepwiseRunner(models[replay_model], device=RUNNER_DEVICE)
stop = T if REPLAY_HOURS is None else min(T, TEST_START + steps(REPLAY_HOURS))
span = stop - TEST_START
attach_at, detach_at = {}, {}
if len(SENSORS) >= 3:
    attach_at = {s: TEST_START + span // 3 for s in SENSORS[-2:]}
    detach_at = {SENSORS[0]: TEST_START + 2 * span // 3}
else:
    print("fewer than 3 sensors: no sensor attaches or detaches mid-way")
live, summary = ts.replay(
    runner,
    segments,
    inputs="covariates",
    start=TEST_START,
    stop=stop,
    attach_at=attach_at,
    detach_at=detach_at,
    latency_budget_ms=LATENCY_BUDGET_MS,
    check_forward=True,  # the replayed outputs against the segment-wise forward
)
print(f"model: {replay_model}")
print(describe_replay(summary))
tick_latency = live.drop_duplicates("t")["latency_us"].to_numpy()  # one row per tick
plot_latency_histogram(tick_latency, budget_us=1e3 * LATENCY_BUDGET_MS)
plt.show()


# %%
# NBVAL_CHECK_OUTPUT
print("stepwise == forward:", summary["forward_max_abs_diff"] < 1e-4)
print("events:", summary["event_counts"])


# %%
# NBVAL_IGNORE_OUTPUT
by_key = metrics.set_index(["model", "horizon"])
metric = lambda name, model, hours: float(by_key.loc[(model, hours), name])
recorded = {"dataset": DATASET, "n_test": N_TEST}
if 1 in HORIZONS:
    for m in MAIN:
        recorded.update({f"{k}_h1_{m}": metric(k, m, 1) for k in ("mae", "rmse", "mase")})
    recorded["mae_h1_lstm_no_covariates"] = metric("mae", "lstm_no_covariates", 1)
if 24 in HORIZONS:
    recorded.update({f"mae_h24_{m}": metric("mae", m, 24) for m in MAIN})
if missing := sorted({1, 24} - set(HORIZONS)):
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
    winners = (f"{m} {part[m].idxmin()} ({part[m].min():.3g})" for m in ("mae", "rmse", "mase"))
    print(f"  {hours:>3} h: " + ", ".join(winners))
if 1 in HORIZONS:
    verdict = {True: "met", False: "not met"}
    goals = {"snaive168": ("seasonal naive 168 h", 0.5), "sarimax": ("SARIMAX", 0.9)}
    for name, (against, goal) in goals.items():
        ratio = metric("mae", BEST_DEEP, 1) / metric("mae", name, 1)
        print(
            f"goal, {BEST_DEEP} 1-hour MAE / {against}: {ratio:.3f} (goal <= {goal}: {verdict[ratio <= goal]})"
        )
    beats = [h for h in HORIZONS if metric("mae", BEST_DEEP, h) < metric("mae", "sarimax", h)]
    print(
        f"goal, beats SARIMAX at every horizon: {verdict[len(beats) == len(HORIZONS)]} (beats it at {beats} h)"
    )
    if DATASET != "metro_traffic":
        print(
            f"note: the goal is stated for real hourly sensor data (metro_traffic); this run is on {DATASET}"
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
